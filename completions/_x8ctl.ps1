
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'x8ctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'x8ctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'x8ctl' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('devices', 'devices', [CompletionResultType]::ParameterValue, 'List attached devices; for X8s, hostname, OS image and H7 firmware')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'Run a command on the board, or open an interactive shell')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Copy files and folders to the board')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Copy files and folders from the board')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run a virtual Portenta X8 that adb (and x8ctl) can connect to')
            [CompletionResult]::new('rpc', 'rpc', [CompletionResultType]::ParameterValue, 'Call functions of the sketch on the M4 (through m4-proxy, port 5001)')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Show what the M4''s sketch prints with SerialRPC, and send it what you type')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the whole Linux <-> M4 chain of the board and say how to fix what is broken')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the config file''s place and every setting with where its value comes from')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Show or empty the per-user cache (downloaded firmware, repositories)')
            [CompletionResult]::new('flash-fw', 'flash-fw', [CompletionResultType]::ParameterValue, 'Put an STM32H7 firmware image on the board''s H7, verified, or change nothing')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'List the apps `x8ctl deploy` knows by name, with their repository and pinned commit')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Build and run a container app on the board, from source, incrementally')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show the logs of an app''s container, or of m4-proxy (its journal, as root)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an app''s container(s)')
            [CompletionResult]::new('upload-sketch', 'upload-sketch', [CompletionResultType]::ParameterValue, 'Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'x8ctl;devices' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;shell' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up after this many seconds without output')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Run as root (sudo, with the password found as `x8ctl doctor` does)')
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Do not read standard input: the command''s is /dev/null (as `adb shell -n`). Without it, piped input is read to its end and handed to the command')
            [CompletionResult]::new('--no-stdin', '--no-stdin', [CompletionResultType]::ParameterName, 'Do not read standard input: the command''s is /dev/null (as `adb shell -n`). Without it, piped input is read to its end and handed to the command')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;push' {
            [CompletionResult]::new('--streams', '--streams', [CompletionResultType]::ParameterName, 'Sync streams used at once')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--sync', '--sync', [CompletionResultType]::ParameterName, 'Send only files whose sha256 differs from the board''s copy')
            [CompletionResult]::new('--no-verify', '--no-verify', [CompletionResultType]::ParameterName, 'Skip the sha256 check on the board')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;pull' {
            [CompletionResult]::new('--streams', '--streams', [CompletionResultType]::ParameterName, 'Sync streams used at once')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;sim' {
            [CompletionResult]::new('--listen', '--listen', [CompletionResultType]::ParameterName, 'Address to listen on; port 0 picks a free port. Only loopback addresses unless --allow-remote (the virtual board has no authentication: anyone who reaches the port gets a shell on your machine''s sandbox)')
            [CompletionResult]::new('--root', '--root', [CompletionResultType]::ParameterName, 'Folder holding the board''s file system (kept between runs). Default: a temporary folder removed on exit')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial number (the hostname becomes portenta-x8-<serial>)')
            [CompletionResult]::new('--fault', '--fault', [CompletionResultType]::ParameterName, 'Inject a fault; repeat for several')
            [CompletionResult]::new('--sudo-password', '--sudo-password', [CompletionResultType]::ParameterName, 'The sudo password of fio. Default: the image''s (--image-version): ''fio'', expired on 844, 846 and 861 (sudo then fails until `passwd`), empty on images after 861')
            [CompletionResult]::new('--m4-upstream', '--m4-upstream', [CompletionResultType]::ParameterName, 'Send port 5001 calls to this MessagePack-RPC server instead of the simulated M4')
            [CompletionResult]::new('--sketch', '--sketch', [CompletionResultType]::ParameterName, 'What the simulated M4 runs: none (no sketch: nothing answers), sensors (the tutorial''s sketch: temperature, humidity, pressure, gas, altitude), bmp280 (the same without gas), serial (prints `line N` with SerialRPC every 200 ms and echoes what reaches its `tty` as `echo: ...`: see `x8ctl monitor`), or a sketch file with one `name = value` or `name(arg, ...) = value` line per bound method (value: a number, "string", true/false, void, or $N for the Nth argument)')
            [CompletionResult]::new('--link-latency-us', '--link-latency-us', [CompletionResultType]::ParameterName, 'Per-packet latency of the slow-link fault, in microseconds')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Which adbd to be: x8 (Android 5.1.1, the real board) or modern (shell_v2, 1 MiB packets)')
            [CompletionResult]::new('--image-version', '--image-version', [CompletionResultType]::ParameterName, 'IMAGE_VERSION of the board''s OS image')
            [CompletionResult]::new('--firmware-version', '--firmware-version', [CompletionResultType]::ParameterName, 'Version of the H7 firmware installed and running at start')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--allow-remote', '--allow-remote', [CompletionResultType]::ParameterName, 'Allow --listen on an address other machines can reach')
            [CompletionResult]::new('--sudo-nopasswd', '--sudo-nopasswd', [CompletionResultType]::ParameterName, 'sudo needs no password at all (NOPASSWD)')
            [CompletionResult]::new('--list-faults', '--list-faults', [CompletionResultType]::ParameterName, 'List the faults and exit')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;rpc' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call METHOD with ARGs and print the result')
            [CompletionResult]::new('sensors', 'sensors', [CompletionResultType]::ParameterValue, 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Show the calls and notifications the sketch makes to Linux for NAMEs')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer the sketch''s calls to Linux: NAME=VALUE answers NAME with VALUE')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'x8ctl;rpc;call' {
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Seconds to wait for the answer (m4-proxy itself gives up after 1 s)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;rpc;sensors' {
            [CompletionResult]::new('--watch', '--watch', [CompletionResultType]::ParameterName, 'Read again every SECS seconds until Ctrl-C, which ends it with exit status 130 (with --json: one document per line). A board that goes away (unplugged, rebooting) is looked for again at each round, so the readings resume by themselves')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;rpc;listen' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The board port for the reverse forward (registered with m4-proxy)')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Stop after SECS seconds (exit status 0)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Start each line with the laptop''s time (UTC)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;rpc;serve' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The board port for the reverse forward (registered with m4-proxy)')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Stop after SECS seconds (exit status 0)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Start each line with the laptop''s time (UTC)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;rpc;help' {
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call METHOD with ARGs and print the result')
            [CompletionResult]::new('sensors', 'sensors', [CompletionResultType]::ParameterValue, 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Show the calls and notifications the sketch makes to Linux for NAMEs')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer the sketch''s calls to Linux: NAME=VALUE answers NAME with VALUE')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'x8ctl;rpc;help;call' {
            break
        }
        'x8ctl;rpc;help;sensors' {
            break
        }
        'x8ctl;rpc;help;listen' {
            break
        }
        'x8ctl;rpc;help;serve' {
            break
        }
        'x8ctl;rpc;help;help' {
            break
        }
        'x8ctl;monitor' {
            [CompletionResult]::new('--port', '--port', [CompletionResultType]::ParameterName, 'The board port for the reverse forward (registered with m4-proxy)')
            [CompletionResult]::new('--for', '--for', [CompletionResultType]::ParameterName, 'Stop after SECS seconds (exit status 0)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--timestamp', '--timestamp', [CompletionResultType]::ParameterName, 'Start each line with the laptop''s time (UTC, HH:MM:SS.mmm)')
            [CompletionResult]::new('--no-input', '--no-input', [CompletionResultType]::ParameterName, 'Do not read stdin (send nothing to the sketch)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;doctor' {
            [CompletionResult]::new('--rpc-method', '--rpc-method', [CompletionResultType]::ParameterName, 'A method the sketch on the M4 binds without arguments (e.g. temperature); the RPC check calls it. Default: the config file''s `rpc_method`; without one the M4 is not called')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--fix', '--fix', [CompletionResultType]::ParameterName, 'Offer to repair each failed check that has a fix (asks first; --yes does not ask), then check again')
            [CompletionResult]::new('--strict', '--strict', [CompletionResultType]::ParameterName, 'Warnings fail the run too')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;config' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;cache' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the cache folder and what it holds')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'x8ctl;cache;list' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;cache;clean' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;cache;help' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the cache folder and what it holds')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'x8ctl;cache;help;list' {
            break
        }
        'x8ctl;cache;help;clean' {
            break
        }
        'x8ctl;cache;help;help' {
            break
        }
        'x8ctl;flash-fw' {
            [CompletionResult]::new('--release', '--release', [CompletionResultType]::ParameterName, 'A release from firmware/releases.toml, downloaded into the cache and checked by sha256 (X8CTL_RELEASES_FILE names another releases file, X8CTL_CACHE_DIR another cache)')
            [CompletionResult]::new('--ref', '--ref', [CompletionResultType]::ParameterName, 'The tag, branch or commit to build (default: the newest known release)')
            [CompletionResult]::new('--rpc-method', '--rpc-method', [CompletionResultType]::ParameterName, 'After the flash, call METHOD (no arguments; one the M4''s sketch binds) and report the answer; a warning when it is not answered. Default: the config''s `rpc_method`; without one the M4 is not called')
            [CompletionResult]::new('--require-rpc', '--require-rpc', [CompletionResultType]::ParameterName, 'Like --rpc-method, but roll back to the previous firmware when METHOD is not answered')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--build', '--build', [CompletionResultType]::ParameterName, 'Build the firmware from source: clone it with git into the cache, check for arm-none-eabi-gcc and make, run make, take STM32H747AII6_CM7.bin (X8CTL_FIRMWARE_REPO names another repository)')
            [CompletionResult]::new('--list', '--list', [CompletionResultType]::ParameterName, 'List the known releases, what is in the cache, and what the board runs')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Show the plan and the exact board commands; change nothing')
            [CompletionResult]::new('--force', '--force', [CompletionResultType]::ParameterName, 'Flash even when the image is older than, or the same as, the running firmware')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Flash every attached X8 at once (one progress line each)')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;apps' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;deploy' {
            [CompletionResult]::new('--repo', '--repo', [CompletionResultType]::ParameterName, 'Take the app from this git repository (URL or path) instead')
            [CompletionResult]::new('--ref', '--ref', [CompletionResultType]::ParameterName, 'The tag, branch or commit to take (with --repo, or to override a catalog pin)')
            [CompletionResult]::new('--path', '--path', [CompletionResultType]::ParameterName, 'The app''s folder in the repository')
            [CompletionResult]::new('-e', '-e', [CompletionResultType]::ParameterName, 'KEY=VALUE for the container''s environment (repeatable). With a compose file it fills the file''s ${KEY} (compose passes a container only its `environment:`)')
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'KEY=VALUE for the container''s environment (repeatable). With a compose file it fills the file''s ${KEY} (compose passes a container only its `environment:`)')
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait for the app to come up')
            [CompletionResult]::new('--ready-log', '--ready-log', [CompletionResultType]::ParameterName, 'The app is ready when a line of its log matches this regular expression (otherwise: when it runs without a restart for a few seconds, its healthcheck says healthy, or, for the catalog''s sensor apps, when the five readings are in its log)')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Then stream the app''s logs until Ctrl-C')
            [CompletionResult]::new('--prebuilt', '--prebuilt', [CompletionResultType]::ParameterName, 'Run Arduino''s published image arduino/APP instead of building (needs Internet on the board)')
            [CompletionResult]::new('--no-compose', '--no-compose', [CompletionResultType]::ParameterName, 'Do not try docker compose; start with the tutorial''s docker run flags')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;logs' {
            [CompletionResult]::new('-n', '-n', [CompletionResultType]::ParameterName, 'Only the last N lines')
            [CompletionResult]::new('--lines', '--lines', [CompletionResultType]::ParameterName, 'Only the last N lines')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('-f', '-f', [CompletionResultType]::ParameterName, 'Keep streaming new lines')
            [CompletionResult]::new('--follow', '--follow', [CompletionResultType]::ParameterName, 'Keep streaming new lines')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;stop' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;upload-sketch' {
            [CompletionResult]::new('--wait', '--wait', [CompletionResultType]::ParameterName, 'Seconds to wait for the board to program it')
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;completions' {
            [CompletionResult]::new('-s', '-s', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--serial', '--serial', [CompletionResultType]::ParameterName, 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached')
            [CompletionResult]::new('--adb', '--adb', [CompletionResultType]::ParameterName, 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)')
            [CompletionResult]::new('--adb-server', '--adb-server', [CompletionResultType]::ParameterName, 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)')
            [CompletionResult]::new('--connect', '--connect', [CompletionResultType]::ParameterName, 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print one JSON document on stdout (with schema_version) instead of text')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Say less on stderr')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Say more on stderr (repeat for more)')
            [CompletionResult]::new('--non-interactive', '--non-interactive', [CompletionResultType]::ParameterName, 'Never prompt; a needed answer that is missing is an error')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Answer yes to every confirmation')
            [CompletionResult]::new('--virtual', '--virtual', [CompletionResultType]::ParameterName, 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'x8ctl;help' {
            [CompletionResult]::new('devices', 'devices', [CompletionResultType]::ParameterValue, 'List attached devices; for X8s, hostname, OS image and H7 firmware')
            [CompletionResult]::new('shell', 'shell', [CompletionResultType]::ParameterValue, 'Run a command on the board, or open an interactive shell')
            [CompletionResult]::new('push', 'push', [CompletionResultType]::ParameterValue, 'Copy files and folders to the board')
            [CompletionResult]::new('pull', 'pull', [CompletionResultType]::ParameterValue, 'Copy files and folders from the board')
            [CompletionResult]::new('sim', 'sim', [CompletionResultType]::ParameterValue, 'Run a virtual Portenta X8 that adb (and x8ctl) can connect to')
            [CompletionResult]::new('rpc', 'rpc', [CompletionResultType]::ParameterValue, 'Call functions of the sketch on the M4 (through m4-proxy, port 5001)')
            [CompletionResult]::new('monitor', 'monitor', [CompletionResultType]::ParameterValue, 'Show what the M4''s sketch prints with SerialRPC, and send it what you type')
            [CompletionResult]::new('doctor', 'doctor', [CompletionResultType]::ParameterValue, 'Check the whole Linux <-> M4 chain of the board and say how to fix what is broken')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the config file''s place and every setting with where its value comes from')
            [CompletionResult]::new('cache', 'cache', [CompletionResultType]::ParameterValue, 'Show or empty the per-user cache (downloaded firmware, repositories)')
            [CompletionResult]::new('flash-fw', 'flash-fw', [CompletionResultType]::ParameterValue, 'Put an STM32H7 firmware image on the board''s H7, verified, or change nothing')
            [CompletionResult]::new('apps', 'apps', [CompletionResultType]::ParameterValue, 'List the apps `x8ctl deploy` knows by name, with their repository and pinned commit')
            [CompletionResult]::new('deploy', 'deploy', [CompletionResultType]::ParameterValue, 'Build and run a container app on the board, from source, incrementally')
            [CompletionResult]::new('logs', 'logs', [CompletionResultType]::ParameterValue, 'Show the logs of an app''s container, or of m4-proxy (its journal, as root)')
            [CompletionResult]::new('stop', 'stop', [CompletionResultType]::ParameterValue, 'Stop an app''s container(s)')
            [CompletionResult]::new('upload-sketch', 'upload-sketch', [CompletionResultType]::ParameterValue, 'Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script (bash, zsh, fish, powershell, elvish)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'x8ctl;help;devices' {
            break
        }
        'x8ctl;help;shell' {
            break
        }
        'x8ctl;help;push' {
            break
        }
        'x8ctl;help;pull' {
            break
        }
        'x8ctl;help;sim' {
            break
        }
        'x8ctl;help;rpc' {
            [CompletionResult]::new('call', 'call', [CompletionResultType]::ParameterValue, 'Call METHOD with ARGs and print the result')
            [CompletionResult]::new('sensors', 'sensors', [CompletionResultType]::ParameterValue, 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)')
            [CompletionResult]::new('listen', 'listen', [CompletionResultType]::ParameterValue, 'Show the calls and notifications the sketch makes to Linux for NAMEs')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Answer the sketch''s calls to Linux: NAME=VALUE answers NAME with VALUE')
            break
        }
        'x8ctl;help;rpc;call' {
            break
        }
        'x8ctl;help;rpc;sensors' {
            break
        }
        'x8ctl;help;rpc;listen' {
            break
        }
        'x8ctl;help;rpc;serve' {
            break
        }
        'x8ctl;help;monitor' {
            break
        }
        'x8ctl;help;doctor' {
            break
        }
        'x8ctl;help;config' {
            break
        }
        'x8ctl;help;cache' {
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'Show the cache folder and what it holds')
            [CompletionResult]::new('clean', 'clean', [CompletionResultType]::ParameterValue, 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes')
            break
        }
        'x8ctl;help;cache;list' {
            break
        }
        'x8ctl;help;cache;clean' {
            break
        }
        'x8ctl;help;flash-fw' {
            break
        }
        'x8ctl;help;apps' {
            break
        }
        'x8ctl;help;deploy' {
            break
        }
        'x8ctl;help;logs' {
            break
        }
        'x8ctl;help;stop' {
            break
        }
        'x8ctl;help;upload-sketch' {
            break
        }
        'x8ctl;help;completions' {
            break
        }
        'x8ctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
