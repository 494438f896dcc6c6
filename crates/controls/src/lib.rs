//! The control catalog: one control per file
