//! Which scan result describes the image a container runs.
//!
//! A reference with a digest is matched by digest only: the runtime pulls
//! exactly that manifest and ignores the tag. A reference without one is
//! matched by `registry/repository:tag` (`latest` when absent), which is
//! only as good as the tag's immutability; findings say which it was.

use crate::reference;
use crate::vuln::ImageScan;
use std::collections::HashMap;

#[derive(Debug, Default)]
pub struct ImageIndex {
    scans: Vec<ImageScan>,
    by_digest: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    /// (account, repository, tag) of ECR reports, which name no region.
    by_ecr: HashMap<(String, String, String), Vec<usize>>,
}

/// How a scan was matched to an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchedBy {
    Digest,
    Tag,
}

impl ImageIndex {
    pub fn new(scans: Vec<ImageScan>) -> Self {
        let mut ix = ImageIndex::default();
        for (i, s) in scans.iter().enumerate() {
            for d in &s.digests {
                ix.by_digest.entry(d.clone()).or_default().push(i);
            }
            for n in &s.names {
                ix.by_name.entry(n.clone()).or_default().push(i);
            }
            if let Some((account, repo, Some(tag))) = &s.ecr {
                ix.by_ecr
                    .entry((account.clone(), repo.clone(), tag.clone()))
                    .or_default()
                    .push(i);
            }
        }
        ix.scans = scans;
        ix
    }

    pub fn scans(&self) -> &[ImageScan] {
        &self.scans
    }

    pub fn is_empty(&self) -> bool {
        self.scans.is_empty()
    }

    /// Every scan of the image (several reports may describe it; none is
    /// dropped), and how they matched. Empty when none does.
    pub fn lookup(&self, image: &str) -> (Vec<&ImageScan>, MatchedBy) {
        let Some(r) = reference::parse(image) else {
            return (Vec::new(), MatchedBy::Tag);
        };
        let pick = |ids: Option<&Vec<usize>>| -> Vec<&ImageScan> {
            ids.map(|v| v.iter().map(|&i| &self.scans[i]).collect())
                .unwrap_or_default()
        };
        if let Some(d) = r.digest {
            return (pick(self.by_digest.get(d)), MatchedBy::Digest);
        }
        let mut found = pick(self.by_name.get(&r.name_tag()));
        if let Some(account) = ecr_account(r.registry) {
            let key = (
                account.to_owned(),
                r.repository.clone(),
                r.tag.unwrap_or("latest").to_owned(),
            );
            for s in pick(self.by_ecr.get(&key)) {
                if !found.iter().any(|f| std::ptr::eq(*f, s)) {
                    found.push(s);
                }
            }
        }
        (found, MatchedBy::Tag)
    }
}

/// `123456789012.dkr.ecr.us-east-1.amazonaws.com` (also `-fips` and the
/// China partition's `.com.cn`) → the account.
fn ecr_account(host: &str) -> Option<&str> {
    let (account, rest) = host.split_once('.')?;
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && (rest.starts_with("dkr.ecr.") || rest.starts_with("dkr.ecr-fips."))
        && (rest.ends_with(".amazonaws.com") || rest.ends_with(".amazonaws.com.cn"));
    ok.then_some(account)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecr_hosts() {
        assert_eq!(
            ecr_account("123456789012.dkr.ecr.eu-west-1.amazonaws.com"),
            Some("123456789012")
        );
        assert_eq!(
            ecr_account("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com"),
            Some("123456789012")
        );
        assert_eq!(ecr_account("public.ecr.aws"), None);
        assert_eq!(ecr_account("12345.dkr.ecr.eu-west-1.amazonaws.com"), None);
        assert_eq!(ecr_account("123456789012.dkr.ecr.evil.example.com"), None);
    }
}
