//! Container images: references as the runtime reads them, vulnerability
//! scan reports (Trivy, Grype, Amazon ECR basic and enhanced scanning) read
//! into one model, matched to the images workloads run, and a gate that
//! decides which vulnerabilities block.
//!
//! eksguard does not scan images itself: scanners with maintained
//! vulnerability databases already do. It makes their results enforceable
//! in the same places as every other control (`scan`, admission, CI).

pub mod gate;
pub mod index;
pub mod reference;
pub mod report;
mod vuln;

pub use gate::{Gate, GateResult, Ignore};
pub use index::{EcrImage, ImageIndex, ecr_location};
pub use reference::{ImageRef, parse as parse_reference};
pub use report::{ReportError, read_report, read_reports};
pub use vuln::{FixState, ImageScan, ScanFormat, VulnSeverity, Vulnerability};
