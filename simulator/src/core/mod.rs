//! The five operations, written once: each consults the [`RuleBook`] (scripted answers
//! and delays), checks its parameters and lets the store apply, in one transaction, what
//! the domain decides.
//!
//! [`Simulator`] is the business core: the HTTP layer translates the generated request
//! and response models to and from the domain's types.

use std::sync::Arc;

use alipayhk_api::OperationId;
use alipayhk_api::result_codes::{InquireAPointFailure, QueryTemplateFailure};
use alipayhk_runtime::ResultCode;

use crate::domain::accounts::{self, TokenCheck};
use crate::domain::answers::{
    Answer, CardAnswer, InquireAnswer, IssueAnswer, RedeemAnswer, TemplateAnswer,
};
use crate::domain::cards::{self, CardUpdate};
use crate::domain::fixtures::Fixtures;
use crate::domain::now_ms;
use crate::domain::points::{self, IssueRequest, RedeemRequest};
use crate::domain::replayed::{self, ReplayedOutcome};
use crate::store::{Store, StoreError};

pub(crate) mod rule_book;

pub use rule_book::RuleBook;

/// A failure of the simulator itself (answered as `UNKNOWN_EXCEPTION` by the server).
#[derive(Debug, thiserror::Error)]
pub enum SimulatorError {
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A stored template no longer fits a Query Template answer (uploads are checked, so
    /// only a database edited by hand gets here).
    #[error("{0}")]
    Template(String),
}

/// The simulator's state and scripted rules.
#[derive(Clone)]
pub struct Simulator {
    store: Store,
    rules: Arc<RuleBook>,
    fixtures: Arc<Fixtures>,
}

impl Simulator {
    /// A simulator on `store`; `fixtures` is what an admin reset re-applies.
    pub fn new(store: Store, fixtures: Fixtures) -> Self {
        Self {
            rules: Arc::new(RuleBook::for_store(&store)),
            store,
            fixtures: Arc::new(fixtures),
        }
    }

    /// The database.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The scripted rules.
    pub fn rules(&self) -> &RuleBook {
        &self.rules
    }

    /// Clears all state and rules, then applies the configured fixtures unless `empty`.
    pub async fn reset(&self, empty: bool) -> Result<(), SimulatorError> {
        let fixtures = (!empty).then(|| Arc::clone(&self.fixtures));
        // On PostgreSQL the reset empties the shared rules in the same transaction.
        self.store.reset(fixtures).await?;
        self.rules.clear().await?;
        Ok(())
    }

    /// Applies a scripted rule, if one matches: waits its delay, returns its answer.
    async fn script<C: ResultCode, P>(
        &self,
        operation: OperationId,
        user_id: Option<&str>,
    ) -> Option<Answer<C, P>> {
        let action = self.rules.take(operation, user_id).await?;
        tracing::info!(rule_id = action.rule_id, %operation, code = ?action.code, "scripted rule applied");
        if let Some(delay) = action.delay {
            tokio::time::sleep(delay).await;
        }
        let code = action.code?;
        Some(Answer {
            status: action.status,
            message: action.message,
            ..Answer::code(C::from(code.as_str()))
        })
    }

    /// Inquire A. Point: the balance behind an access token.
    pub async fn inquire(&self, access_token: String) -> Result<InquireAnswer, SimulatorError> {
        if !self.rules.is_empty() {
            let owner = self.store.token_owner(access_token.clone()).await?;
            if let Some(answer) = self
                .script(OperationId::InquireAPoint, owner.as_deref())
                .await
            {
                return Ok(answer);
            }
        }
        if access_token.trim().is_empty() {
            return Ok(Answer::code(InquireAPointFailure::ParameterIllegal));
        }
        let check = if accounts::is_well_formed_token(&access_token) {
            let found = self.store.find_token(access_token).await?;
            accounts::resolve_token(found, now_ms())
        } else {
            TokenCheck::Invalid
        };
        Ok(accounts::inquire_answer(check))
    }

    /// Issue A. Point: credits points from a campaign budget, idempotent by bizNo.
    pub async fn issue(
        &self,
        client_id: String,
        request: IssueRequest,
    ) -> Result<IssueAnswer, SimulatorError> {
        if let Some(answer) = self
            .script(OperationId::IssueAPoint, request.user_id.as_deref())
            .await
        {
            return Ok(answer);
        }
        match points::check_issue(client_id, request) {
            Ok(call) => Ok(self.store.issue(call).await?),
            Err(answer) => Ok(answer),
        }
    }

    /// Redeem A. Point: debits points atomically, idempotent by bizNo.
    pub async fn redeem(
        &self,
        client_id: String,
        request: RedeemRequest,
    ) -> Result<RedeemAnswer, SimulatorError> {
        if let Some(answer) = self
            .script(OperationId::RedeemAPoint, Some(&request.user_id))
            .await
        {
            return Ok(answer);
        }
        match points::check_redeem(client_id, request) {
            Ok(call) => Ok(self.store.redeem(call).await?),
            Err(answer) => Ok(answer),
        }
    }

    /// `--replay-stateful`: the effect of a replayed answer on the ledger (decided in
    /// [`crate::domain::replayed`]); `None` when the answer moves no points.
    pub(crate) async fn apply_replayed(
        &self,
        operation: OperationId,
        recorded_request: &serde_json::Value,
        recorded_answer: &serde_json::Value,
        live_request: &serde_json::Value,
        client_id: &str,
    ) -> Result<Option<ReplayedOutcome>, SimulatorError> {
        let Some(posting) = replayed::posting(
            operation,
            recorded_request,
            recorded_answer,
            live_request,
            client_id,
        ) else {
            return Ok(None);
        };
        Ok(Some(self.store.post_replayed(posting).await?))
    }

    /// Query Template: a seeded template of the merchant.
    pub async fn query_template(
        &self,
        merchant_id: String,
        template_code: String,
    ) -> Result<TemplateAnswer, SimulatorError> {
        if let Some(answer) = self.script(OperationId::QueryTemplate, None).await {
            return Ok(answer);
        }
        if merchant_id.trim().is_empty() || template_code.trim().is_empty() {
            return Ok(Answer::code(QueryTemplateFailure::ParamIllegal));
        }
        let template = self.store.find_template(template_code).await?;
        cards::query_answer(template, &merchant_id).map_err(SimulatorError::Template)
    }

    /// Update Membership Card: `UPDATE` changes points/level/expiry, `CLOSED` terminates.
    pub async fn update_card(&self, update: CardUpdate) -> Result<CardAnswer, SimulatorError> {
        if let Some(answer) = self
            .script(OperationId::UpdateMembershipCard, update.user_id.as_deref())
            .await
        {
            return Ok(answer);
        }
        Ok(self.store.update_card(update).await?)
    }
}

#[cfg(test)]
mod tests {
    use alipayhk_api::result_codes::{
        InquireAPointResultCode, IssueAPointFailure, IssueAPointResultCode,
        QueryTemplateResultCode, RedeemAPointFailure, RedeemAPointResultCode,
        UpdateMembershipCardFailure, UpdateMembershipCardResultCode,
    };
    use serde_json::Map;

    use super::*;
    use crate::domain::budget::IssueBudget;
    use crate::domain::cards::CardStatus;
    use crate::domain::fixtures::{
        DEMO_ACCESS_TOKEN, DEMO_MERCHANT_ID, DEMO_PASS_ID, DEMO_PRODUCT_ID, DEMO_TEMPLATE_CODE,
        DEMO_USER_ID,
    };
    use crate::domain::ledger::EntryKind;
    use crate::domain::rules::ScriptedRule;
    use crate::store::SqliteStore;
    use crate::store::sqlite::queries::{self as sql, PointLedger};

    const CLIENT: &str = "CLIENT";

    fn simulator() -> Simulator {
        let store = SqliteStore::in_memory().unwrap();
        store.seed(&Fixtures::demo()).unwrap();
        Simulator::new(Store::Sqlite(store), Fixtures::demo())
    }

    /// The SQLite database under a test simulator.
    fn db(sim: &Simulator) -> &SqliteStore {
        match sim.store() {
            Store::Sqlite(db) => db,
            Store::Postgres(_) => unreachable!("the unit tests run on SQLite"),
        }
    }

    fn issue(biz_no: &str, amount: i64) -> IssueRequest {
        IssueRequest {
            biz_no: Some(biz_no.into()),
            biz_date_ms: Some(1_767_225_600_000), // 2026-01-01, inside the demo campaign
            user_id: Some(DEMO_USER_ID.into()),
            open_id: None,
            product_id: Some(DEMO_PRODUCT_ID.into()),
            amount,
            body: String::new(),
        }
    }

    fn redeem(biz_no: &str, amount: i64) -> RedeemRequest {
        RedeemRequest {
            biz_no: biz_no.into(),
            user_id: DEMO_USER_ID.into(),
            scene_code: "OFFLINE_REDEEM".into(),
            bizdt: "1716360141000".into(),
            amounts: vec![amount],
            body: String::new(),
        }
    }

    fn balance(sim: &Simulator, user_id: &str) -> i64 {
        let user_id = user_id.to_string();
        let (balance, sum) = db(sim)
            .write(move |db| {
                let user = sql::find_user(db, &user_id)?.unwrap();
                Ok::<_, StoreError>((user.balance, PointLedger::new(db).sum(&user_id)?))
            })
            .unwrap();
        assert_eq!(sum, balance, "ledger invariant");
        balance
    }

    fn set_budget(sim: &Simulator, change: impl FnOnce(&mut IssueBudget) + Send + 'static) {
        db(sim)
            .write(move |db| {
                let mut b = sql::find_budget(db, DEMO_PRODUCT_ID)?.unwrap();
                change(&mut b);
                sql::put_budget(db, &b)
            })
            .unwrap();
    }

    #[tokio::test]
    async fn inquire_answers_the_balance_for_a_valid_token() {
        let answer = simulator().inquire(DEMO_ACCESS_TOKEN.into()).await.unwrap();
        assert_eq!(answer.code, InquireAPointResultCode::Success);
        assert_eq!(answer.payload.and_then(|model| model.balance), Some(1200));
    }

    #[tokio::test]
    async fn inquire_codes_from_token_state() {
        let sim = simulator();
        assert_eq!(
            sim.inquire("unknown".into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::AccesstokenValidateFailed)
        );
        assert_eq!(
            sim.inquire("bad token".into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::AccesstokenValidateFailed)
        );
        assert_eq!(
            sim.inquire(" ".into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::ParameterIllegal)
        );
        db(&sim)
            .write(|db| sql::put_token(db, "old", DEMO_USER_ID, 1))
            .unwrap();
        assert_eq!(
            sim.inquire("old".into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::AccesstokenValidateFailed)
        );
        db(&sim)
            .write(|db| sql::delete_user(db, DEMO_USER_ID))
            .unwrap();
        assert_eq!(
            sim.inquire(DEMO_ACCESS_TOKEN.into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::UserNotExist)
        );
    }

    #[tokio::test]
    async fn issue_credits_points_and_takes_budget() {
        let sim = simulator();
        assert_eq!(
            sim.issue(CLIENT.into(), issue("I1", 100))
                .await
                .unwrap()
                .code,
            IssueAPointResultCode::Success
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1300);
        let b = db(&sim)
            .write(|db| sql::find_budget(db, DEMO_PRODUCT_ID))
            .unwrap()
            .unwrap();
        assert_eq!((b.total_remaining, b.current_remaining), (999_900, 99_900));
    }

    #[tokio::test]
    async fn issue_codes_from_budget_state() {
        let sim = simulator();
        set_budget(&sim, |b| b.current_remaining = 10);
        assert_eq!(
            sim.issue(CLIENT.into(), issue("C", 11)).await.unwrap().code,
            IssueAPointResultCode::Failure(IssueAPointFailure::CurrentBudgetNotEnough)
        );
        set_budget(&sim, |b| b.total_remaining = 5);
        assert_eq!(
            sim.issue(CLIENT.into(), issue("T", 6)).await.unwrap().code,
            IssueAPointResultCode::Failure(IssueAPointFailure::TotalBudgetNotEnough)
        );
        set_budget(&sim, |b| b.paused = true);
        assert_eq!(
            sim.issue(CLIENT.into(), issue("N", 1)).await.unwrap().code,
            IssueAPointResultCode::Failure(IssueAPointFailure::NoBudgetRightNow)
        );
        let mut unknown_campaign = issue("U", 1);
        unknown_campaign.product_id = Some("NO_SUCH_CAMPAIGN".into());
        assert_eq!(
            sim.issue(CLIENT.into(), unknown_campaign)
                .await
                .unwrap()
                .code,
            IssueAPointResultCode::Failure(IssueAPointFailure::NoBudgetRightNow)
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1200);
    }

    #[tokio::test]
    async fn issue_dated_outside_the_campaign_fails() {
        let mut early = issue("E", 1);
        early.biz_date_ms = Some(1_000);
        assert_eq!(
            simulator().issue(CLIENT.into(), early).await.unwrap().code,
            IssueAPointResultCode::Failure(IssueAPointFailure::ProcessFail)
        );
    }

    #[tokio::test]
    async fn issue_replay_moves_no_points_and_changed_replay_is_inconsistent() {
        let sim = simulator();
        for _ in 0..3 {
            assert_eq!(
                sim.issue(CLIENT.into(), issue("R1", 50))
                    .await
                    .unwrap()
                    .code,
                IssueAPointResultCode::Success
            );
        }
        assert_eq!(balance(&sim, DEMO_USER_ID), 1250);
        let changed = sim.issue(CLIENT.into(), issue("R1", 51)).await.unwrap();
        assert_eq!(
            changed.code,
            IssueAPointResultCode::Failure(IssueAPointFailure::RepeatReqInconsistent)
        );
        // Another partner may use the same bizNo.
        assert_eq!(
            sim.issue("OTHER".into(), issue("R1", 51))
                .await
                .unwrap()
                .code,
            IssueAPointResultCode::Success
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1301);
    }

    #[tokio::test]
    async fn failed_answer_is_final_too() {
        let sim = simulator();
        set_budget(&sim, |b| b.paused = true);
        assert_eq!(
            sim.issue(CLIENT.into(), issue("F1", 1)).await.unwrap().code,
            IssueAPointResultCode::Failure(IssueAPointFailure::NoBudgetRightNow)
        );
        set_budget(&sim, |b| b.paused = false);
        assert_eq!(
            sim.issue(CLIENT.into(), issue("F1", 1)).await.unwrap().code,
            IssueAPointResultCode::Failure(IssueAPointFailure::NoBudgetRightNow)
        );
    }

    #[tokio::test]
    async fn redeem_debits_and_refuses_overdraft() {
        let sim = simulator();
        assert_eq!(
            sim.redeem(CLIENT.into(), redeem("D1", 200))
                .await
                .unwrap()
                .code,
            RedeemAPointResultCode::Success
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1000);
        assert_eq!(
            sim.redeem(CLIENT.into(), redeem("D2", 1001))
                .await
                .unwrap()
                .code,
            RedeemAPointResultCode::Failure(RedeemAPointFailure::PointNotEnough)
        );
        assert_eq!(
            sim.redeem(CLIENT.into(), redeem("D1", 200))
                .await
                .unwrap()
                .code,
            RedeemAPointResultCode::Success
        );
        assert_eq!(
            sim.redeem(CLIENT.into(), redeem("D1", 201))
                .await
                .unwrap()
                .code,
            RedeemAPointResultCode::Failure(RedeemAPointFailure::RepeatReqInconsistent)
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1000);
    }

    #[tokio::test]
    async fn redeem_with_bad_amounts_is_param_illegal() {
        let sim = simulator();
        let mut empty = redeem("P1", 1);
        empty.amounts.clear();
        assert_eq!(
            sim.redeem(CLIENT.into(), empty).await.unwrap().code,
            RedeemAPointResultCode::Failure(RedeemAPointFailure::ParamIllegal)
        );
        assert_eq!(
            sim.redeem(CLIENT.into(), redeem("P2", 0))
                .await
                .unwrap()
                .code,
            RedeemAPointResultCode::Failure(RedeemAPointFailure::ParamIllegal)
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_redeems_never_overdraw() {
        let sim = simulator(); // 1200 points: 120 redeems of 10 fit, 80 do not
        let tasks: Vec<_> = (0..200)
            .map(|i| {
                let sim = sim.clone();
                tokio::spawn(async move {
                    sim.redeem(CLIENT.into(), redeem(&format!("CR{i}"), 10))
                        .await
                        .unwrap()
                        .code
                })
            })
            .collect();
        let mut successes = 0;
        for task in tasks {
            if task.await.unwrap() == RedeemAPointResultCode::Success {
                successes += 1;
            }
        }
        assert_eq!(successes, 120);
        assert_eq!(balance(&sim, DEMO_USER_ID), 0);
    }

    #[tokio::test]
    async fn query_template_finds_seeded_template_of_the_merchant() {
        let sim = simulator();
        let found = sim
            .query_template(DEMO_MERCHANT_ID.into(), DEMO_TEMPLATE_CODE.into())
            .await
            .unwrap();
        assert_eq!(found.code, QueryTemplateResultCode::Success);
        let template = found.payload.expect("a found template carries its fields");
        assert_eq!(template.template_code.as_deref(), Some(DEMO_TEMPLATE_CODE));
        assert_eq!(
            template.r#type,
            Some(alipayhk_api::models::QueryTemplateResponseType::Coupon)
        );
        let missing = sim
            .query_template(DEMO_MERCHANT_ID.into(), "0".into())
            .await
            .unwrap();
        assert_eq!(
            missing.code,
            QueryTemplateResultCode::Failure(QueryTemplateFailure::PassTemplateNotExist)
        );
        let other_merchant = sim
            .query_template("2160000000000000".into(), DEMO_TEMPLATE_CODE.into())
            .await
            .unwrap();
        assert_eq!(
            other_merchant.code,
            QueryTemplateResultCode::Failure(QueryTemplateFailure::PassTemplateNotExist)
        );
    }

    fn card_update(close: bool) -> CardUpdate {
        let mut data_info = Map::new();
        data_info.insert("point".into(), 1500.into());
        data_info.insert("level".into(), "GOLD".into());
        CardUpdate {
            merchant_id: DEMO_MERCHANT_ID.into(),
            user_id: Some(DEMO_USER_ID.into()),
            open_id: None,
            template_code: None,
            pass_id: DEMO_PASS_ID.into(),
            close,
            end_date_ms: Some(1_900_000_000_000),
            data_info: Some(data_info),
        }
    }

    #[tokio::test]
    async fn update_card_changes_points_level_and_expiry_then_close_terminates() {
        let sim = simulator();
        assert_eq!(
            sim.update_card(card_update(false)).await.unwrap().code,
            UpdateMembershipCardResultCode::Success
        );
        let card = db(&sim)
            .write(|db| sql::find_card(db, DEMO_PASS_ID))
            .unwrap()
            .unwrap();
        assert_eq!(
            (card.point, card.level.as_deref(), card.end_date_ms),
            (Some(1500), Some("GOLD"), Some(1_900_000_000_000))
        );
        assert_eq!(
            sim.update_card(card_update(true)).await.unwrap().code,
            UpdateMembershipCardResultCode::Success
        );
        let card = db(&sim)
            .write(|db| sql::find_card(db, DEMO_PASS_ID))
            .unwrap()
            .unwrap();
        assert_eq!(card.status, CardStatus::Closed);
        assert_eq!(
            sim.update_card(card_update(false)).await.unwrap().code,
            UpdateMembershipCardResultCode::Failure(UpdateMembershipCardFailure::ParamIllegal)
        );
    }

    #[tokio::test]
    async fn update_of_unknown_or_foreign_card_is_param_illegal() {
        let sim = simulator();
        let unknown = CardUpdate {
            pass_id: "nope".into(),
            ..card_update(false)
        };
        assert_eq!(
            sim.update_card(unknown).await.unwrap().code,
            UpdateMembershipCardResultCode::Failure(UpdateMembershipCardFailure::ParamIllegal)
        );
        let foreign = CardUpdate {
            user_id: Some("2160999999999999".into()),
            ..card_update(false)
        };
        assert_eq!(
            sim.update_card(foreign).await.unwrap().code,
            UpdateMembershipCardResultCode::Failure(UpdateMembershipCardFailure::ParamIllegal)
        );
    }

    #[tokio::test]
    async fn scripted_rule_overrides_state_and_is_not_recorded() {
        let sim = simulator();
        sim.rules()
            .add(ScriptedRule {
                rule_id: 0,
                operation: OperationId::IssueAPoint,
                user_id: Some(DEMO_USER_ID.into()),
                code: Some("UNKNOWN_EXCEPTION".into()),
                status: None,
                message: None,
                times: Some(1),
                delay_ms: Some(1),
            })
            .await
            .unwrap();
        assert_eq!(
            sim.issue(CLIENT.into(), issue("S1", 10))
                .await
                .unwrap()
                .code,
            IssueAPointResultCode::Failure(IssueAPointFailure::UnknownException)
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1200);
        // The retry with the same bizNo runs for real: a U is not final.
        assert_eq!(
            sim.issue(CLIENT.into(), issue("S1", 10))
                .await
                .unwrap()
                .code,
            IssueAPointResultCode::Success
        );
        assert_eq!(balance(&sim, DEMO_USER_ID), 1210);
    }

    #[tokio::test]
    async fn scripted_rule_for_inquiry_matches_the_tokens_user() {
        let sim = simulator();
        sim.rules()
            .add(ScriptedRule {
                rule_id: 0,
                operation: OperationId::InquireAPoint,
                user_id: Some(DEMO_USER_ID.into()),
                code: Some("UNKNOWN_EXCEPTION".into()),
                status: None,
                message: None,
                times: None,
                delay_ms: None,
            })
            .await
            .unwrap();
        assert_eq!(
            sim.inquire(DEMO_ACCESS_TOKEN.into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::UnknownException)
        );
        assert_eq!(
            sim.inquire("demo-token-empty-user".into())
                .await
                .unwrap()
                .code,
            InquireAPointResultCode::Success
        );
    }

    /// A random mix of issues, redeems, replays and admin balance changes (fixed seed):
    /// afterwards every balance equals its ledger sum and no bizNo moved points twice.
    #[tokio::test]
    async fn random_operations_keep_the_ledger_invariant() {
        let sim = simulator();
        let users = [DEMO_USER_ID, "2160400000000136"];
        let mut seed: u64 = 0x5eed;
        let mut next = |bound: u64| {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (seed >> 33) % bound
        };
        for step in 0..300 {
            let user = users[next(2) as usize];
            let biz_no = format!("RND-{}", next(120)); // collisions exercise replays
            let amount = 1 + next(400) as i64;
            match next(5) {
                0 | 1 => {
                    let request = IssueRequest {
                        user_id: Some(user.into()),
                        ..issue(&biz_no, amount)
                    };
                    sim.issue(CLIENT.into(), request).await.unwrap();
                }
                2 | 3 => {
                    let request = RedeemRequest {
                        user_id: user.into(),
                        ..redeem(&biz_no, amount)
                    };
                    sim.redeem(CLIENT.into(), request).await.unwrap();
                }
                _ => {
                    let (user, target) = (user.to_string(), next(2_000) as i64);
                    db(&sim)
                        .write(move |db| PointLedger::new(db).set_balance(&user, target))
                        .unwrap()
                        .unwrap();
                }
            }
            assert!(balance(&sim, user) >= 0, "step {step}");
        }
        for user in users {
            balance(&sim, user); // asserts balance == ledger sum
        }
        let entries = db(&sim)
            .write(|db| PointLedger::new(db).entries(None))
            .unwrap();
        let mut moved = std::collections::HashSet::new();
        for entry in entries.iter().filter(|e| e.kind != EntryKind::Adjustment) {
            let key = (entry.kind, entry.biz_no.clone());
            assert!(moved.insert(key), "{entry:?} moved points twice");
        }
    }

    #[tokio::test]
    async fn reset_restores_fixtures_and_clears_rules() {
        let sim = simulator();
        sim.redeem(CLIENT.into(), redeem("X", 1200)).await.unwrap();
        sim.rules()
            .add(ScriptedRule {
                rule_id: 0,
                operation: OperationId::QueryTemplate,
                user_id: None,
                code: Some("PARAM_ILLEGAL".into()),
                status: None,
                message: None,
                times: None,
                delay_ms: None,
            })
            .await
            .unwrap();
        sim.reset(false).await.unwrap();
        assert_eq!(balance(&sim, DEMO_USER_ID), 1200);
        assert!(sim.rules().is_empty());
        sim.reset(true).await.unwrap();
        assert_eq!(
            sim.inquire(DEMO_ACCESS_TOKEN.into()).await.unwrap().code,
            InquireAPointResultCode::Failure(InquireAPointFailure::AccesstokenValidateFailed)
        );
    }
}
