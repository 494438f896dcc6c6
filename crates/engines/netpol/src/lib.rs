//! NetworkPolicy reachability engine.
pub mod analysis;
mod conn;
mod error;
mod eval;
mod explain;
mod format;
mod ip;
mod model;
mod selector;

pub use conn::{ConnSet, Protocol};
pub use format::{Format, render, to_csv, to_dot, to_json, to_txt};
pub use error::Error;
pub use explain::{Endpoint, Explanation, Miss, RuleVerdict, Side, SideStatus, TierVerdict, explain, parse_port};
pub use eval::{Connection, Direction, Peer, PeerRef, Reachability};
pub use ip::{Family, IpRange};
pub use model::*;
pub use selector::{Labels, Selector};
