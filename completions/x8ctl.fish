# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_x8ctl_global_optspecs
    string join \n json q/quiet v/verbose non-interactive y/yes s/serial= adb= adb-server= connect= virtual h/help V/version
end

function __fish_x8ctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_x8ctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_x8ctl_using_subcommand
    set -l cmd (__fish_x8ctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c x8ctl -n "__fish_x8ctl_needs_command" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_needs_command" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_needs_command" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_needs_command" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_needs_command" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "devices" -d 'List attached devices; for X8s, hostname, OS image and H7 firmware'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "shell" -d 'Run a command on the board, or open an interactive shell'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "push" -d 'Copy files and folders to the board'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "pull" -d 'Copy files and folders from the board'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "sim" -d 'Run a virtual Portenta X8 that adb (and x8ctl) can connect to'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "rpc" -d 'Call functions of the sketch on the M4 (through m4-proxy, port 5001)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "monitor" -d 'Show what the M4\'s sketch prints with SerialRPC, and send it what you type'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "doctor" -d 'Check the whole Linux <-> M4 chain of the board and say how to fix what is broken'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "config" -d 'Show the config file\'s place and every setting with where its value comes from'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "cache" -d 'Show or empty the per-user cache (downloaded firmware, repositories)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "flash-fw" -d 'Put an STM32H7 firmware image on the board\'s H7, verified, or change nothing'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "apps" -d 'List the apps `x8ctl deploy` knows by name, with their repository and pinned commit'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "deploy" -d 'Build and run a container app on the board, from source, incrementally'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "logs" -d 'Show the logs of an app\'s container, or of m4-proxy (its journal, as root)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "stop" -d 'Stop an app\'s container(s)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "upload-sketch" -d 'Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c x8ctl -n "__fish_x8ctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand devices" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l timeout -d 'Give up after this many seconds without output' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l root -d 'Run as root (sudo, with the password found as `x8ctl doctor` does)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s n -l no-stdin -d 'Do not read standard input: the command\'s is /dev/null (as `adb shell -n`). Without it, piped input is read to its end and handed to the command'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand shell" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l streams -d 'Sync streams used at once' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l sync -d 'Send only files whose sha256 differs from the board\'s copy'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l no-verify -d 'Skip the sha256 check on the board'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand push" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l streams -d 'Sync streams used at once' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand pull" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l listen -d 'Address to listen on; port 0 picks a free port. Only loopback addresses unless --allow-remote (the virtual board has no authentication: anyone who reaches the port gets a shell on your machine\'s sandbox)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l root -d 'Folder holding the board\'s file system (kept between runs). Default: a temporary folder removed on exit' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l serial -d 'The board\'s serial number (the hostname becomes portenta-x8-<serial>)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l fault -d 'Inject a fault; repeat for several' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l sudo-password -d 'The sudo password of fio. Default: the image\'s (--image-version): \'fio\', expired on 844, 846 and 861 (sudo then fails until `passwd`), empty on images after 861' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l m4-upstream -d 'Send port 5001 calls to this MessagePack-RPC server instead of the simulated M4' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l sketch -d 'What the simulated M4 runs: none (no sketch: nothing answers), sensors (the tutorial\'s sketch: temperature, humidity, pressure, gas, altitude), bmp280 (the same without gas), serial (prints `line N` with SerialRPC every 200 ms and echoes what reaches its `tty` as `echo: ...`: see `x8ctl monitor`), or a sketch file with one `name = value` or `name(arg, ...) = value` line per bound method (value: a number, "string", true/false, void, or $N for the Nth argument)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l link-latency-us -d 'Per-packet latency of the slow-link fault, in microseconds' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l profile -d 'Which adbd to be: x8 (Android 5.1.1, the real board) or modern (shell_v2, 1 MiB packets)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l image-version -d 'IMAGE_VERSION of the board\'s OS image' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l firmware-version -d 'Version of the H7 firmware installed and running at start' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l allow-remote -d 'Allow --listen on an address other machines can reach'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l sudo-nopasswd -d 'sudo needs no password at all (NOPASSWD)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l list-faults -d 'List the faults and exit'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand sim" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -f -a "call" -d 'Call METHOD with ARGs and print the result'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -f -a "sensors" -d 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -f -a "listen" -d 'Show the calls and notifications the sketch makes to Linux for NAMEs'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -f -a "serve" -d 'Answer the sketch\'s calls to Linux: NAME=VALUE answers NAME with VALUE'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and not __fish_seen_subcommand_from call sensors listen serve help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l timeout -d 'Seconds to wait for the answer (m4-proxy itself gives up after 1 s)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from call" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l watch -d 'Read again every SECS seconds until Ctrl-C, which ends it with exit status 130 (with --json: one document per line). A board that goes away (unplugged, rebooting) is looked for again at each round, so the readings resume by themselves' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from sensors" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l port -d 'The board port for the reverse forward (registered with m4-proxy)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l for -d 'Stop after SECS seconds (exit status 0)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l timestamp -d 'Start each line with the laptop\'s time (UTC)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from listen" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l port -d 'The board port for the reverse forward (registered with m4-proxy)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l for -d 'Stop after SECS seconds (exit status 0)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l timestamp -d 'Start each line with the laptop\'s time (UTC)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from serve" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from help" -f -a "call" -d 'Call METHOD with ARGs and print the result'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from help" -f -a "sensors" -d 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from help" -f -a "listen" -d 'Show the calls and notifications the sketch makes to Linux for NAMEs'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from help" -f -a "serve" -d 'Answer the sketch\'s calls to Linux: NAME=VALUE answers NAME with VALUE'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand rpc; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l port -d 'The board port for the reverse forward (registered with m4-proxy)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l for -d 'Stop after SECS seconds (exit status 0)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l timestamp -d 'Start each line with the laptop\'s time (UTC, HH:MM:SS.mmm)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l no-input -d 'Do not read stdin (send nothing to the sketch)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand monitor" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l rpc-method -d 'A method the sketch on the M4 binds without arguments (e.g. temperature); the RPC check calls it. Default: the config file\'s `rpc_method`; without one the M4 is not called' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l fix -d 'Offer to repair each failed check that has a fix (asks first; --yes does not ask), then check again'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l strict -d 'Warnings fail the run too'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand doctor" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand config" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -f -a "list" -d 'Show the cache folder and what it holds'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -f -a "clean" -d 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and not __fish_seen_subcommand_from list clean help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from list" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from clean" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "list" -d 'Show the cache folder and what it holds'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "clean" -d 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand cache; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l release -d 'A release from firmware/releases.toml, downloaded into the cache and checked by sha256 (X8CTL_RELEASES_FILE names another releases file, X8CTL_CACHE_DIR another cache)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l ref -d 'The tag, branch or commit to build (default: the newest known release)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l rpc-method -d 'After the flash, call METHOD (no arguments; one the M4\'s sketch binds) and report the answer; a warning when it is not answered. Default: the config\'s `rpc_method`; without one the M4 is not called' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l require-rpc -d 'Like --rpc-method, but roll back to the previous firmware when METHOD is not answered' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l build -d 'Build the firmware from source: clone it with git into the cache, check for arm-none-eabi-gcc and make, run make, take STM32H747AII6_CM7.bin (X8CTL_FIRMWARE_REPO names another repository)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l list -d 'List the known releases, what is in the cache, and what the board runs'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l dry-run -d 'Show the plan and the exact board commands; change nothing'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l force -d 'Flash even when the image is older than, or the same as, the running firmware'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l all -d 'Flash every attached X8 at once (one progress line each)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand flash-fw" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand apps" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l repo -d 'Take the app from this git repository (URL or path) instead' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l ref -d 'The tag, branch or commit to take (with --repo, or to override a catalog pin)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l path -d 'The app\'s folder in the repository' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s e -l env -d 'KEY=VALUE for the container\'s environment (repeatable). With a compose file it fills the file\'s ${KEY} (compose passes a container only its `environment:`)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l wait -d 'Seconds to wait for the app to come up' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l ready-log -d 'The app is ready when a line of its log matches this regular expression (otherwise: when it runs without a restart for a few seconds, its healthcheck says healthy, or, for the catalog\'s sensor apps, when the five readings are in its log)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l follow -d 'Then stream the app\'s logs until Ctrl-C'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l prebuilt -d 'Run Arduino\'s published image arduino/APP instead of building (needs Internet on the board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l no-compose -d 'Do not try docker compose; start with the tutorial\'s docker run flags'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand deploy" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s n -l lines -d 'Only the last N lines' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s f -l follow -d 'Keep streaming new lines'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand logs" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand stop" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l wait -d 'Seconds to wait for the board to program it' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand upload-sketch" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -s s -l serial -d 'The board\'s serial (as `x8ctl devices` shows it); default: the only X8 attached' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -l adb -d 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE\'s)' -r -F
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -l adb-server -d 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -l connect -d 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server' -r
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -l json -d 'Print one JSON document on stdout (with schema_version) instead of text'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -s q -l quiet -d 'Say less on stderr'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -s v -l verbose -d 'Say more on stderr (repeat for more)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -l non-interactive -d 'Never prompt; a needed answer that is missing is an error'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -s y -l yes -d 'Answer yes to every confirmation'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -l virtual -d 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -s h -l help -d 'Print help'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "devices" -d 'List attached devices; for X8s, hostname, OS image and H7 firmware'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "shell" -d 'Run a command on the board, or open an interactive shell'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "push" -d 'Copy files and folders to the board'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "pull" -d 'Copy files and folders from the board'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "sim" -d 'Run a virtual Portenta X8 that adb (and x8ctl) can connect to'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "rpc" -d 'Call functions of the sketch on the M4 (through m4-proxy, port 5001)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "monitor" -d 'Show what the M4\'s sketch prints with SerialRPC, and send it what you type'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "doctor" -d 'Check the whole Linux <-> M4 chain of the board and say how to fix what is broken'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "config" -d 'Show the config file\'s place and every setting with where its value comes from'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "cache" -d 'Show or empty the per-user cache (downloaded firmware, repositories)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "flash-fw" -d 'Put an STM32H7 firmware image on the board\'s H7, verified, or change nothing'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "apps" -d 'List the apps `x8ctl deploy` knows by name, with their repository and pinned commit'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "deploy" -d 'Build and run a container app on the board, from source, incrementally'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "logs" -d 'Show the logs of an app\'s container, or of m4-proxy (its journal, as root)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "stop" -d 'Stop an app\'s container(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "upload-sketch" -d 'Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "completions" -d 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and not __fish_seen_subcommand_from devices shell push pull sim rpc monitor doctor config cache flash-fw apps deploy logs stop upload-sketch completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and __fish_seen_subcommand_from rpc" -f -a "call" -d 'Call METHOD with ARGs and print the result'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and __fish_seen_subcommand_from rpc" -f -a "sensors" -d 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and __fish_seen_subcommand_from rpc" -f -a "listen" -d 'Show the calls and notifications the sketch makes to Linux for NAMEs'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and __fish_seen_subcommand_from rpc" -f -a "serve" -d 'Answer the sketch\'s calls to Linux: NAME=VALUE answers NAME with VALUE'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "list" -d 'Show the cache folder and what it holds'
complete -c x8ctl -n "__fish_x8ctl_using_subcommand help; and __fish_seen_subcommand_from cache" -f -a "clean" -d 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes'
