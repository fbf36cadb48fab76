//! The HTTP layer: the generated server trait implemented on the core, the transport
//! faults around it, the replay of recordings inside its signing layer, the request journal and its signature diagnosis, the admin API and
//! the console. It knows no SQL; it asks the core and the store's queries.

pub(crate) mod admin;
mod admin_state;
pub(crate) mod api;
mod console;
mod diagnosis;
pub(crate) mod faults;
pub(crate) mod journal;
pub(crate) mod replay;
