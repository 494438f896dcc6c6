//! Image scan report reader (Trivy, Grype, ECR) on arbitrary bytes: never
//! panics, and whatever it reads matches and gates without panicking.
#![no_main]

use eksguard_images::{Gate, ImageIndex, report::parse_report};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(scan) = parse_report("fuzz.json", data) {
        let image = scan.image.clone();
        let names = scan.names.clone();
        let index = ImageIndex::new(vec![scan]);
        let (scans, _) = index.lookup(&image);
        let _ = Gate::default().evaluate(&scans, &names, "2026-11-27");
    }
});
