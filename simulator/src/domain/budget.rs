//! Issue budgets: how many A. Points a campaign (`benefitProductId`) may still issue.
//!
//! A budget has a total (for the whole campaign) and a current part (what the campaign
//! may issue right now, e.g. today's allowance), a campaign period that `bizDate` must
//! fall in, and a pause switch. The documented codes map as follows:
//!
//! | state                                   | code                          |
//! |-----------------------------------------|-------------------------------|
//! | no budget for the product, or paused    | `NO_BUDGET_RIGHT_NOW`         |
//! | `bizDate` outside the campaign period   | `PROCESS_FAIL` (assumption)   |
//! | total remaining < amount                | `TOTAL_BUDGET_NOT_ENOUGH`     |
//! | current remaining < amount              | `CURRENT_BUDGET_NOT_ENOUGH`   |

use serde::{Deserialize, Serialize};

use alipayhk_api::result_codes::IssueAPointFailure;

/// The budget of one issue campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IssueBudget {
    /// The campaign, as sent in `benefitIssueDetail.benefitProductId`.
    pub product_id: String,
    /// Points the campaign may still issue in total.
    pub total_remaining: i64,
    /// Points the campaign may issue right now (never more than the total).
    pub current_remaining: i64,
    /// First valid `bizDate`, ms since the epoch.
    #[serde(default)]
    pub campaign_start_ms: i64,
    /// Last valid `bizDate`, ms since the epoch.
    #[serde(default = "far_future_ms")]
    pub campaign_end_ms: i64,
    /// A paused campaign answers `NO_BUDGET_RIGHT_NOW`.
    #[serde(default)]
    pub paused: bool,
}

fn far_future_ms() -> i64 {
    4_102_444_800_000 // 2100-01-01
}

impl IssueBudget {
    /// The code that refuses issuing `amount` points dated `biz_date_ms`, if any.
    pub fn refusal(&self, amount: i64, biz_date_ms: Option<i64>) -> Option<IssueAPointFailure> {
        if self.paused {
            return Some(IssueAPointFailure::NoBudgetRightNow);
        }
        if biz_date_ms.is_some_and(|d| d < self.campaign_start_ms || d > self.campaign_end_ms) {
            return Some(IssueAPointFailure::ProcessFail);
        }
        if self.total_remaining < amount {
            return Some(IssueAPointFailure::TotalBudgetNotEnough);
        }
        if self.current_remaining < amount {
            return Some(IssueAPointFailure::CurrentBudgetNotEnough);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget() -> IssueBudget {
        IssueBudget {
            product_id: "CAMPAIGN".into(),
            total_remaining: 1_000,
            current_remaining: 100,
            campaign_start_ms: 1_000,
            campaign_end_ms: 2_000,
            paused: false,
        }
    }

    #[test]
    fn within_budget_and_period_is_accepted() {
        assert_eq!(budget().refusal(100, Some(1_500)), None);
        assert_eq!(budget().refusal(100, None), None);
    }

    #[test]
    fn more_than_total_is_total_budget_not_enough() {
        let b = IssueBudget {
            total_remaining: 50,
            ..budget()
        };
        assert_eq!(
            b.refusal(60, None),
            Some(IssueAPointFailure::TotalBudgetNotEnough)
        );
    }

    #[test]
    fn more_than_current_is_current_budget_not_enough() {
        assert_eq!(
            budget().refusal(101, None),
            Some(IssueAPointFailure::CurrentBudgetNotEnough)
        );
    }

    #[test]
    fn paused_is_no_budget_right_now() {
        let b = IssueBudget {
            paused: true,
            ..budget()
        };
        assert_eq!(
            b.refusal(1, None),
            Some(IssueAPointFailure::NoBudgetRightNow)
        );
    }

    #[test]
    fn biz_date_outside_campaign_is_process_fail() {
        assert_eq!(
            budget().refusal(1, Some(999)),
            Some(IssueAPointFailure::ProcessFail)
        );
        assert_eq!(
            budget().refusal(1, Some(2_001)),
            Some(IssueAPointFailure::ProcessFail)
        );
    }
}
