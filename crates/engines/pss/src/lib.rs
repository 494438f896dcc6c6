//! Pod Security Standards evaluator, exact to upstream Kubernetes PodSecurity admission
