fn main() -> std::process::ExitCode {
    loopguard::cli::main()
}
