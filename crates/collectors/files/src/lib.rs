//! Reads Kubernetes manifests and dumps (YAML 1.1 / JSON) keeping every node's source position
