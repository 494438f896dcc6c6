//! test api server (wip)
