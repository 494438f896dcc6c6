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
    ecr_host(host).map(|(account, _)| account)
}

/// `123456789012.dkr.ecr.us-east-1.amazonaws.com` → (account, region).
fn ecr_host(host: &str) -> Option<(&str, &str)> {
    let (account, rest) = host.split_once('.')?;
    let rest = rest
        .strip_prefix("dkr.ecr.")
        .or_else(|| rest.strip_prefix("dkr.ecr-fips."))?;
    let region = rest
        .strip_suffix(".amazonaws.com")
        .or_else(|| rest.strip_suffix(".amazonaws.com.cn"))?;
    let ok = account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !region.is_empty()
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then_some((account, region))
}

/// An image hosted in a private Amazon ECR registry: where to ask for its
/// scan findings.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EcrImage {
    /// The registry's account (`registryId`).
    pub account: String,
    pub region: String,
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<String>,
}

impl EcrImage {
    /// The image as `ACCOUNT/REPOSITORY@DIGEST`, or `…:TAG` (`latest` when
    /// none) when it is not pinned: what ECR is asked about.
    pub fn id(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}/{}@{d}", self.account, self.repository),
            None => format!(
                "{}/{}:{}",
                self.account,
                self.repository,
                self.tag.as_deref().unwrap_or("latest")
            ),
        }
    }
}

/// `ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPO[:TAG][@DIGEST]` → where it
/// is; `None` for an image hosted anywhere else (ECR Public included).
pub fn ecr_location(image: &str) -> Option<EcrImage> {
    let r = reference::parse(image)?;
    let (account, region) = ecr_host(r.registry)?;
    Some(EcrImage {
        account: account.to_owned(),
        region: region.to_owned(),
        repository: r.repository,
        tag: r.tag.map(str::to_owned),
        digest: r.digest.map(str::to_owned),
    })
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

    #[test]
    fn ecr_locations() {
        let l =
            ecr_location("123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/cart:3.0.2").unwrap();
        assert_eq!(
            (l.account.as_str(), l.region.as_str(), l.repository.as_str()),
            ("123456789012", "eu-west-1", "team/cart")
        );
        assert_eq!(
            (l.tag.as_deref(), l.digest.as_deref()),
            (Some("3.0.2"), None)
        );
        assert_eq!(l.id(), "123456789012/team/cart:3.0.2");
        let l = ecr_location("123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn/app@sha256:abc")
            .unwrap();
        assert_eq!(l.region, "cn-north-1");
        assert_eq!(l.id(), "123456789012/app@sha256:abc");
        let l = ecr_location("123456789012.dkr.ecr-fips.us-east-1.amazonaws.com/app").unwrap();
        assert_eq!(
            (l.region.as_str(), l.id().as_str()),
            ("us-east-1", "123456789012/app:latest")
        );
        assert_eq!(ecr_location("public.ecr.aws/nginx/nginx:1"), None);
        assert_eq!(ecr_location("nginx"), None);
        assert_eq!(
            ecr_location("123456789012.dkr.ecr..amazonaws.com/app"),
            None
        );
    }
}
