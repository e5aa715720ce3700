
use builtin;
use str;

set edit:completion:arg-completer[x8ctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'x8ctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'x8ctl'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand devices 'List attached devices; for X8s, hostname, OS image and H7 firmware'
            cand shell 'Run a command on the board, or open an interactive shell'
            cand push 'Copy files and folders to the board'
            cand pull 'Copy files and folders from the board'
            cand sim 'Run a virtual Portenta X8 that adb (and x8ctl) can connect to'
            cand rpc 'Call functions of the sketch on the M4 (through m4-proxy, port 5001)'
            cand monitor 'Show what the M4''s sketch prints with SerialRPC, and send it what you type'
            cand doctor 'Check the whole Linux <-> M4 chain of the board and say how to fix what is broken'
            cand config 'Show the config file''s place and every setting with where its value comes from'
            cand cache 'Show or empty the per-user cache (downloaded firmware, repositories)'
            cand flash-fw 'Put an STM32H7 firmware image on the board''s H7, verified, or change nothing'
            cand apps 'List the apps `x8ctl deploy` knows by name, with their repository and pinned commit'
            cand deploy 'Build and run a container app on the board, from source, incrementally'
            cand logs 'Show the logs of an app''s container, or of m4-proxy (its journal, as root)'
            cand stop 'Stop an app''s container(s)'
            cand upload-sketch 'Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'x8ctl;devices'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;shell'= {
            cand --timeout 'Give up after this many seconds without output'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --root 'Run as root (sudo, with the password found as `x8ctl doctor` does)'
            cand -n 'Do not read standard input: the command''s is /dev/null (as `adb shell -n`). Without it, piped input is read to its end and handed to the command'
            cand --no-stdin 'Do not read standard input: the command''s is /dev/null (as `adb shell -n`). Without it, piped input is read to its end and handed to the command'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;push'= {
            cand --streams 'Sync streams used at once'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --sync 'Send only files whose sha256 differs from the board''s copy'
            cand --no-verify 'Skip the sha256 check on the board'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;pull'= {
            cand --streams 'Sync streams used at once'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;sim'= {
            cand --listen 'Address to listen on; port 0 picks a free port. Only loopback addresses unless --allow-remote (the virtual board has no authentication: anyone who reaches the port gets a shell on your machine''s sandbox)'
            cand --root 'Folder holding the board''s file system (kept between runs). Default: a temporary folder removed on exit'
            cand --serial 'The board''s serial number (the hostname becomes portenta-x8-<serial>)'
            cand --fault 'Inject a fault; repeat for several'
            cand --sudo-password 'The sudo password of fio. Default: the image''s (--image-version): ''fio'', expired on 844, 846 and 861 (sudo then fails until `passwd`), empty on images after 861'
            cand --m4-upstream 'Send port 5001 calls to this MessagePack-RPC server instead of the simulated M4'
            cand --sketch 'What the simulated M4 runs: none (no sketch: nothing answers), sensors (the tutorial''s sketch: temperature, humidity, pressure, gas, altitude), bmp280 (the same without gas), serial (prints `line N` with SerialRPC every 200 ms and echoes what reaches its `tty` as `echo: ...`: see `x8ctl monitor`), or a sketch file with one `name = value` or `name(arg, ...) = value` line per bound method (value: a number, "string", true/false, void, or $N for the Nth argument)'
            cand --link-latency-us 'Per-packet latency of the slow-link fault, in microseconds'
            cand --profile 'Which adbd to be: x8 (Android 5.1.1, the real board) or modern (shell_v2, 1 MiB packets)'
            cand --image-version 'IMAGE_VERSION of the board''s OS image'
            cand --firmware-version 'Version of the H7 firmware installed and running at start'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --allow-remote 'Allow --listen on an address other machines can reach'
            cand --sudo-nopasswd 'sudo needs no password at all (NOPASSWD)'
            cand --list-faults 'List the faults and exit'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;rpc'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand call 'Call METHOD with ARGs and print the result'
            cand sensors 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)'
            cand listen 'Show the calls and notifications the sketch makes to Linux for NAMEs'
            cand serve 'Answer the sketch''s calls to Linux: NAME=VALUE answers NAME with VALUE'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'x8ctl;rpc;call'= {
            cand --timeout 'Seconds to wait for the answer (m4-proxy itself gives up after 1 s)'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;rpc;sensors'= {
            cand --watch 'Read again every SECS seconds until Ctrl-C, which ends it with exit status 130 (with --json: one document per line). A board that goes away (unplugged, rebooting) is looked for again at each round, so the readings resume by themselves'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;rpc;listen'= {
            cand --port 'The board port for the reverse forward (registered with m4-proxy)'
            cand --for 'Stop after SECS seconds (exit status 0)'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --timestamp 'Start each line with the laptop''s time (UTC)'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;rpc;serve'= {
            cand --port 'The board port for the reverse forward (registered with m4-proxy)'
            cand --for 'Stop after SECS seconds (exit status 0)'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --timestamp 'Start each line with the laptop''s time (UTC)'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;rpc;help'= {
            cand call 'Call METHOD with ARGs and print the result'
            cand sensors 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)'
            cand listen 'Show the calls and notifications the sketch makes to Linux for NAMEs'
            cand serve 'Answer the sketch''s calls to Linux: NAME=VALUE answers NAME with VALUE'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'x8ctl;rpc;help;call'= {
        }
        &'x8ctl;rpc;help;sensors'= {
        }
        &'x8ctl;rpc;help;listen'= {
        }
        &'x8ctl;rpc;help;serve'= {
        }
        &'x8ctl;rpc;help;help'= {
        }
        &'x8ctl;monitor'= {
            cand --port 'The board port for the reverse forward (registered with m4-proxy)'
            cand --for 'Stop after SECS seconds (exit status 0)'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --timestamp 'Start each line with the laptop''s time (UTC, HH:MM:SS.mmm)'
            cand --no-input 'Do not read stdin (send nothing to the sketch)'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;doctor'= {
            cand --rpc-method 'A method the sketch on the M4 binds without arguments (e.g. temperature); the RPC check calls it. Default: the config file''s `rpc_method`; without one the M4 is not called'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --fix 'Offer to repair each failed check that has a fix (asks first; --yes does not ask), then check again'
            cand --strict 'Warnings fail the run too'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;config'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;cache'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
            cand list 'Show the cache folder and what it holds'
            cand clean 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'x8ctl;cache;list'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;cache;clean'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;cache;help'= {
            cand list 'Show the cache folder and what it holds'
            cand clean 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'x8ctl;cache;help;list'= {
        }
        &'x8ctl;cache;help;clean'= {
        }
        &'x8ctl;cache;help;help'= {
        }
        &'x8ctl;flash-fw'= {
            cand --release 'A release from firmware/releases.toml, downloaded into the cache and checked by sha256 (X8CTL_RELEASES_FILE names another releases file, X8CTL_CACHE_DIR another cache)'
            cand --ref 'The tag, branch or commit to build (default: the newest known release)'
            cand --rpc-method 'After the flash, call METHOD (no arguments; one the M4''s sketch binds) and report the answer; a warning when it is not answered. Default: the config''s `rpc_method`; without one the M4 is not called'
            cand --require-rpc 'Like --rpc-method, but roll back to the previous firmware when METHOD is not answered'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --build 'Build the firmware from source: clone it with git into the cache, check for arm-none-eabi-gcc and make, run make, take STM32H747AII6_CM7.bin (X8CTL_FIRMWARE_REPO names another repository)'
            cand --list 'List the known releases, what is in the cache, and what the board runs'
            cand --dry-run 'Show the plan and the exact board commands; change nothing'
            cand --force 'Flash even when the image is older than, or the same as, the running firmware'
            cand --all 'Flash every attached X8 at once (one progress line each)'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;apps'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;deploy'= {
            cand --repo 'Take the app from this git repository (URL or path) instead'
            cand --ref 'The tag, branch or commit to take (with --repo, or to override a catalog pin)'
            cand --path 'The app''s folder in the repository'
            cand -e 'KEY=VALUE for the container''s environment (repeatable). With a compose file it fills the file''s ${KEY} (compose passes a container only its `environment:`)'
            cand --env 'KEY=VALUE for the container''s environment (repeatable). With a compose file it fills the file''s ${KEY} (compose passes a container only its `environment:`)'
            cand --wait 'Seconds to wait for the app to come up'
            cand --ready-log 'The app is ready when a line of its log matches this regular expression (otherwise: when it runs without a restart for a few seconds, its healthcheck says healthy, or, for the catalog''s sensor apps, when the five readings are in its log)'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --follow 'Then stream the app''s logs until Ctrl-C'
            cand --prebuilt 'Run Arduino''s published image arduino/APP instead of building (needs Internet on the board)'
            cand --no-compose 'Do not try docker compose; start with the tutorial''s docker run flags'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;logs'= {
            cand -n 'Only the last N lines'
            cand --lines 'Only the last N lines'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand -f 'Keep streaming new lines'
            cand --follow 'Keep streaming new lines'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;stop'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;upload-sketch'= {
            cand --wait 'Seconds to wait for the board to program it'
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;completions'= {
            cand -s 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --serial 'The board''s serial (as `x8ctl devices` shows it); default: the only X8 attached'
            cand --adb 'The adb executable to use (default: PATH, the Android SDK, then the Arduino IDE''s)'
            cand --adb-server 'The adb server to use (default: 127.0.0.1 and ANDROID_ADB_SERVER_PORT or 5037)'
            cand --connect 'Talk ADB directly to a board (or `x8ctl sim`) at HOST:PORT, without an adb server'
            cand --json 'Print one JSON document on stdout (with schema_version) instead of text'
            cand -q 'Say less on stderr'
            cand --quiet 'Say less on stderr'
            cand -v 'Say more on stderr (repeat for more)'
            cand --verbose 'Say more on stderr (repeat for more)'
            cand --non-interactive 'Never prompt; a needed answer that is missing is an error'
            cand -y 'Answer yes to every confirmation'
            cand --yes 'Answer yes to every confirmation'
            cand --virtual 'Use a virtual X8 started inside x8ctl (for trying x8ctl without a board)'
            cand -h 'Print help'
            cand --help 'Print help'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'x8ctl;help'= {
            cand devices 'List attached devices; for X8s, hostname, OS image and H7 firmware'
            cand shell 'Run a command on the board, or open an interactive shell'
            cand push 'Copy files and folders to the board'
            cand pull 'Copy files and folders from the board'
            cand sim 'Run a virtual Portenta X8 that adb (and x8ctl) can connect to'
            cand rpc 'Call functions of the sketch on the M4 (through m4-proxy, port 5001)'
            cand monitor 'Show what the M4''s sketch prints with SerialRPC, and send it what you type'
            cand doctor 'Check the whole Linux <-> M4 chain of the board and say how to fix what is broken'
            cand config 'Show the config file''s place and every setting with where its value comes from'
            cand cache 'Show or empty the per-user cache (downloaded firmware, repositories)'
            cand flash-fw 'Put an STM32H7 firmware image on the board''s H7, verified, or change nothing'
            cand apps 'List the apps `x8ctl deploy` knows by name, with their repository and pinned commit'
            cand deploy 'Build and run a container app on the board, from source, incrementally'
            cand logs 'Show the logs of an app''s container, or of m4-proxy (its journal, as root)'
            cand stop 'Stop an app''s container(s)'
            cand upload-sketch 'Program the M4 with a sketch (.elf) and confirm that OpenOCD verified it'
            cand completions 'Print a shell completion script (bash, zsh, fish, powershell, elvish)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'x8ctl;help;devices'= {
        }
        &'x8ctl;help;shell'= {
        }
        &'x8ctl;help;push'= {
        }
        &'x8ctl;help;pull'= {
        }
        &'x8ctl;help;sim'= {
        }
        &'x8ctl;help;rpc'= {
            cand call 'Call METHOD with ARGs and print the result'
            cand sensors 'Read the python-rpc-sensors values (temperature, humidity, pressure, gas, altitude)'
            cand listen 'Show the calls and notifications the sketch makes to Linux for NAMEs'
            cand serve 'Answer the sketch''s calls to Linux: NAME=VALUE answers NAME with VALUE'
        }
        &'x8ctl;help;rpc;call'= {
        }
        &'x8ctl;help;rpc;sensors'= {
        }
        &'x8ctl;help;rpc;listen'= {
        }
        &'x8ctl;help;rpc;serve'= {
        }
        &'x8ctl;help;monitor'= {
        }
        &'x8ctl;help;doctor'= {
        }
        &'x8ctl;help;config'= {
        }
        &'x8ctl;help;cache'= {
            cand list 'Show the cache folder and what it holds'
            cand clean 'Remove what x8ctl put in the cache (downloads and repositories are fetched again when needed); anything else in the folder stays. Asks first unless --yes'
        }
        &'x8ctl;help;cache;list'= {
        }
        &'x8ctl;help;cache;clean'= {
        }
        &'x8ctl;help;flash-fw'= {
        }
        &'x8ctl;help;apps'= {
        }
        &'x8ctl;help;deploy'= {
        }
        &'x8ctl;help;logs'= {
        }
        &'x8ctl;help;stop'= {
        }
        &'x8ctl;help;upload-sketch'= {
        }
        &'x8ctl;help;completions'= {
        }
        &'x8ctl;help;help'= {
        }
    ]
    $completions[$command]
}
