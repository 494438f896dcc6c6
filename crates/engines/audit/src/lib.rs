//! Kubernetes audit-log threat detection engine
