//! IAM policy engine: parsing, evaluation, IRSA / Pod Identity trust analysis
