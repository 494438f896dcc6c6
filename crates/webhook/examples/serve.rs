//! The webhook without the `eksguard` CLI, for load-testing this crate on
//! its own: `serve LISTEN CERT KEY NAMESPACES_FILE` with the default config.
//! `eksguard webhook serve` is the real command; both call
//! [`eksguard_webhook::run`].

use eksguard_webhook::{NamespaceSource, ServerOptions, run};
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [listen, cert, key, namespaces] = args.as_slice() else {
        eprintln!("usage: serve LISTEN CERT KEY NAMESPACES_FILE");
        return ExitCode::from(2);
    };
    let Ok(listen) = listen.parse() else {
        eprintln!("invalid listen address {listen:?}");
        return ExitCode::from(2);
    };
    let opts = ServerOptions::new(listen, cert.into(), key.into());
    let source = NamespaceSource::File(namespaces.into());
    match run(
        opts,
        eksguard_controls::Config::default(),
        source,
        None,
        None,
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
