//! Throughput of the full rule set on generated EKS-like audit events.
//!
//! `cargo bench -p eksguard-audit` (set `EKSGUARD_BENCH_EVENTS` to change the
//! event count, default 2,000,000; 10,000,000 shows memory stays flat).
//! Events are 0.5–4 KB: mostly Metadata-level reads and lease updates by
//! system principals (as on a real EKS cluster), plus RequestResponse pod,
//! workload, RBAC, ConfigMap and Secret traffic, some pods privileged or with
//! host mounts, exec sessions, and denied requests. A block of distinct
//! events is generated once and replayed with fresh auditIDs each pass, so
//! de-duplication never short-cuts the rules.

use eksguard_audit::{AuditConfig, InputFormat, Options, Pipeline};
use std::io::Read;
use std::time::Instant;

const BLOCK: usize = 20_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic, good enough to pick a mix.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, v: &[&'a str]) -> &'a str {
        v[(self.next() % v.len() as u64) as usize]
    }
}

fn user(name: &str, groups: &str) -> String {
    if name.starts_with("system:") || name.starts_with("eks:") {
        format!(r#"{{"username":"{name}","uid":"{name}-uid","groups":[{groups}]}}"#)
    } else {
        format!(
            r#"{{"username":"{name}","uid":"aws-iam-authenticator:111122223333:AROA4EXAMPLE{name}","groups":[{groups}],"extra":{{"accessKeyId":["ASIAEXAMPLEKEY000001"],"arn":["arn:aws:sts::111122223333:assumed-role/platform-{name}/{name}-session"],"canonicalArn":["arn:aws:iam::111122223333:role/platform-{name}"],"principalId":["AROA4EXAMPLE{name}"],"sessionName":["{name}-session"],"sigs.k8s.io/aws-iam-authenticator/principalId":["AROA4EXAMPLE{name}"]}}}}"#
        )
    }
}

fn pod_body(rng: &mut Rng, name: &str, ns: &str) -> String {
    let mut containers = Vec::new();
    for c in 0..(1 + rng.next() % 3) {
        let privileged = rng.next().is_multiple_of(20);
        containers.push(format!(
            r#"{{"name":"c{c}","image":"111122223333.dkr.ecr.us-west-2.amazonaws.com/team/{name}:1.{c}.7","ports":[{{"containerPort":8080,"protocol":"TCP"}}],"env":[{{"name":"LOG_LEVEL","value":"info"}}],"resources":{{"limits":{{"cpu":"500m","memory":"512Mi"}},"requests":{{"cpu":"100m","memory":"128Mi"}}}},"volumeMounts":[{{"name":"kube-api-access","mountPath":"/var/run/secrets/kubernetes.io/serviceaccount","readOnly":true}}],"securityContext":{{"privileged":{privileged},"allowPrivilegeEscalation":false,"readOnlyRootFilesystem":true,"runAsNonRoot":true}},"imagePullPolicy":"IfNotPresent"}}"#
        ));
    }
    let host = if rng.next().is_multiple_of(25) {
        r#"{"name":"host","hostPath":{"path":"/var/lib/kubelet","type":"Directory"}},"#
    } else {
        ""
    };
    format!(
        r#"{{"kind":"Pod","apiVersion":"v1","metadata":{{"generateName":"{name}-","namespace":"{ns}","labels":{{"app":"{name}","pod-template-hash":"7d9f8c6b5"}},"ownerReferences":[{{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"{name}-7d9f8c6b5","uid":"0b3f6a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b","controller":true,"blockOwnerDeletion":true}}]}},"spec":{{"volumes":[{host}{{"name":"kube-api-access","projected":{{"sources":[{{"serviceAccountToken":{{"expirationSeconds":3607,"path":"token"}}}}],"defaultMode":420}}}}],"containers":[{}],"restartPolicy":"Always","terminationGracePeriodSeconds":30,"dnsPolicy":"ClusterFirst","serviceAccountName":"{name}","securityContext":{{"runAsUser":1000,"fsGroup":2000}},"schedulerName":"default-scheduler","tolerations":[{{"key":"node.kubernetes.io/not-ready","operator":"Exists","effect":"NoExecute","tolerationSeconds":300}}],"priority":0,"enableServiceLinks":true,"preemptionPolicy":"PreemptLowerPriority"}}}}"#,
        containers.join(",")
    )
}

/// One event line; returns it and the byte offset of its auditID.
fn event(rng: &mut Rng, i: usize) -> (String, usize) {
    let namespaces = [
        "default",
        "web",
        "payments",
        "data",
        "kube-system",
        "monitoring",
        "team-a",
        "team-b",
    ];
    let ns = rng.pick(&namespaces);
    let sec = i % 86_400;
    let ts = format!(
        "2026-11-27T{:02}:{:02}:{:02}.{:06}Z",
        sec / 3600,
        sec / 60 % 60,
        sec % 60,
        i % 1_000_000
    );
    let roll = rng.next() % 100;
    let node = format!(
        "system:node:ip-10-0-{}-{}.us-west-2.compute.internal",
        i % 7,
        i % 200
    );
    let (verb, resource, name, sub, who, groups, code, body, level): (&str, &str, String, &str, String, &str, u16, Option<String>, &str) = match roll {
        0..=24 => ("update", "leases", node.clone(), "", node.clone(), r#""system:nodes","system:authenticated""#, 200, None, "Metadata"),
        25..=49 => ("get", "configmaps", "kube-root-ca.crt".into(), "", format!("system:serviceaccount:{ns}:app"), r#""system:serviceaccounts","system:authenticated""#, 200, None, "Metadata"),
        50..=64 => ("watch", rng.pick(&["pods", "services", "endpointslices", "nodes"]), String::new(), "", "system:kube-scheduler".into(), r#""system:authenticated""#, 200, None, "Metadata"),
        65..=74 => ("list", rng.pick(&["pods", "deployments", "services"]), String::new(), "", "eks:addon-manager".into(), r#""system:authenticated""#, 200, None, "Metadata"),
        75..=77 => ("get", "secrets", "app-tls".into(), "", format!("system:serviceaccount:{ns}:app"), r#""system:serviceaccounts","system:authenticated""#, if rng.next().is_multiple_of(5) { 403 } else { 200 }, None, "Metadata"),
        78..=87 => {
            let n = format!("svc{}", i % 50);
            let who = if rng.next().is_multiple_of(4) { "alice".to_string() } else { "system:serviceaccount:kube-system:replicaset-controller".to_string() };
            ("create", "pods", String::new(), "", who, r#""system:authenticated""#, 201, Some(pod_body(rng, &n, ns)), "RequestResponse")
        }
        88..=91 => ("patch", "configmaps", "app-config".into(), "", "alice".into(), r#""system:authenticated""#, 200,
            Some(r#"{"data":{"feature.flags":"a=true,b=false","log_level":"info","endpoint":"https://api.internal.example.com"}}"#.into()), "RequestResponse"),
        92..=93 => ("create", "pods", format!("web-{}", i % 30), "exec", "alice".into(), r#""system:authenticated""#, 101, None, "Metadata"),
        95..=96 => ("create", "rolebindings", format!("rb{}", i % 9), "", "alice".into(), r#""system:authenticated""#, 201,
            Some(format!(r#"{{"kind":"RoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{{"name":"rb{}","namespace":"{ns}"}},"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"view"}},"subjects":[{{"kind":"User","apiGroup":"rbac.authorization.k8s.io","name":"bob"}}]}}"#, i % 9)), "RequestResponse"),
        _ => ("get", "pods", format!("web-{}", i % 30), "", "bob".into(), r#""system:authenticated""#, 403, None, "Metadata"),
    };
    let stage = if sub == "exec" {
        "ResponseStarted"
    } else {
        "ResponseComplete"
    };
    let mut uri = format!("/api/v1/namespaces/{ns}/{resource}");
    if !name.is_empty() {
        uri.push('/');
        uri.push_str(&name);
    }
    if !sub.is_empty() {
        uri.push_str("/exec?command=sh&container=app&stdin=true&stdout=true&tty=true");
    }
    let mut oref = format!(r#""resource":"{resource}","namespace":"{ns}","apiVersion":"v1""#);
    if !name.is_empty() {
        oref.push_str(&format!(r#","name":"{name}""#));
    }
    if !sub.is_empty() {
        oref.push_str(r#","subresource":"exec""#);
    }
    let decision = if code == 403 { "forbid" } else { "allow" };
    let head = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":""#.to_string()
        + level
        + r#"","auditID":""#;
    let at = head.len();
    let mut line = format!(
        r#"{head}00000000-1111-4222-8333-{i:012x}","stage":"{stage}","requestURI":"{uri}","verb":"{verb}","user":{},"sourceIPs":["10.0.{}.{}"],"userAgent":"kubelet/v1.33.1 (linux/amd64) kubernetes/8adc0f0","objectRef":{{{oref}}},"responseStatus":{{"metadata":{{}},"code":{code}}},"#,
        user(&who, groups),
        i % 250,
        i % 200
    );
    if let Some(b) = body {
        line.push_str(r#""requestObject":"#);
        line.push_str(&b);
        line.push(',');
    }
    line.push_str(&format!(
        r#""requestReceivedTimestamp":"{ts}","stageTimestamp":"{ts}","annotations":{{"authorization.k8s.io/decision":"{decision}","authorization.k8s.io/reason":"RBAC: allowed by ClusterRoleBinding \"system:public-info-viewer\" of ClusterRole \"system:public-info-viewer\" to Group \"system:authenticated\"","pod-security.kubernetes.io/enforce-policy":"privileged:latest"}}}}"#
    ));
    line.push('\n');
    (line, at)
}

/// Replays the block, stamping a pass number into every auditID.
struct Replay {
    block: Vec<u8>,
    id_offsets: Vec<usize>,
    pos: usize,
    passes_left: usize,
    pass: u32,
}

impl Read for Replay {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos == self.block.len() {
            if self.passes_left == 0 {
                return Ok(0);
            }
            self.passes_left -= 1;
            self.pass += 1;
            let stamp = format!("{:08x}", self.pass);
            for &o in &self.id_offsets {
                self.block[o..o + 8].copy_from_slice(stamp.as_bytes());
            }
            self.pos = 0;
        }
        let n = buf.len().min(self.block.len() - self.pos);
        buf[..n].copy_from_slice(&self.block[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

fn vm_hwm_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// CPU seconds used by this process so far (user + system), so the
/// per-core figure is not skewed by other work on a shared machine.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the `(comm)`; utime and stime are the 12th and 13th.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = f.get(11).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0)
        + f.get(12).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    ticks / 100.0
}

fn run(
    block: &[u8],
    offsets: &[usize],
    events: usize,
    parallel: bool,
) -> (f64, f64, u64, u64, usize) {
    let passes = events.div_ceil(BLOCK);
    let reader = Replay {
        block: block.to_vec(),
        id_offsets: offsets.to_vec(),
        pos: block.len(),
        passes_left: passes,
        pass: 0,
    };
    let mut p = Pipeline::with_options(
        &AuditConfig::default(),
        Options {
            parallel,
            ..Options::default()
        },
    )
    .expect("default config");
    let mut detections = 0u64;
    let start = Instant::now();
    let cpu0 = cpu_secs();
    p.read("bench", reader, InputFormat::JsonLines, &mut |_| {
        detections += 1
    })
    .expect("generated input reads");
    let entries = p.state_entries();
    let s = p.finish(&mut |_| detections += 1);
    let secs = start.elapsed().as_secs_f64();
    let cpu = (cpu_secs() - cpu0).max(0.01);
    assert_eq!(s.unparseable, 0, "{:?}", s.unparseable_samples);
    (
        s.events as f64 / secs,
        s.events as f64 / cpu,
        s.events,
        detections,
        entries,
    )
}

fn main() {
    let events: usize = std::env::var("EKSGUARD_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000_000);
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut block = Vec::new();
    let mut offsets = Vec::new();
    let (mut min, mut max) = (usize::MAX, 0);
    for i in 0..BLOCK {
        let (line, at) = event(&mut rng, i);
        min = min.min(line.len());
        max = max.max(line.len());
        offsets.push(block.len() + at);
        block.extend_from_slice(line.as_bytes());
    }
    println!(
        "generated {BLOCK} distinct events: {}–{} bytes, mean {} bytes",
        min,
        max,
        block.len() / BLOCK
    );
    let threads = rayon::current_num_threads();
    for (label, parallel) in [("1 thread", false), ("all cores", true)] {
        let (rate, per_cpu, n, det, entries) = run(&block, &offsets, events, parallel);
        println!(
            "{label:>9}: {n} events, {rate:.0} events/s wall ({:.0} MB/s), {per_cpu:.0} events per CPU-second, {det} detections, {entries} state entries",
            rate * (block.len() / BLOCK) as f64 / 1e6
        );
    }
    println!(
        "threads: {threads}; peak RSS (VmHWM): {} MB",
        vm_hwm_kb() / 1024
    );
}
