fn main() -> std::process::ExitCode {
    x8ctl::cli::main()
}
