//! `cargo xtask <command>`: repository chores (codegen, spec checks, benches).

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        _ => {
            eprintln!("usage: cargo xtask <codegen|spec-diff|doc-drift|bench>");
            std::process::exit(2);
        }
    }
}
