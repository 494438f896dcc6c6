//! NetworkPolicy reachability engine
