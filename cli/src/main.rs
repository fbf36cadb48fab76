//! `alipayhk`: the one command a partner runs.
fn main() {
    eprintln!("usage: alipayhk <serve|keygen|sign|verify|conformance>");
    std::process::exit(2);
}
