//! The names the JSON, the text output and the tests use for the doctor's checks and the
//! flash steps (derived with strum from the variants): they must not change.

use x8ctl_core::doctor::CheckId;
use x8ctl_core::flash::Step;

#[test]
fn check_names_are_kept() {
    let names: Vec<&str> = CheckId::ALL.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        [
            "adb",
            "board",
            "x8",
            "sudo",
            "stm32h7-program",
            "x8h7-modules",
            "h7-firmware",
            "x8h7-ui",
            "m4-proxy",
            "rpc",
            "docker",
            "containers",
            "disk",
        ]
    );
}

#[test]
fn step_names_are_kept() {
    let steps = [
        (Step::Sudo, "sudo"),
        (Step::Versions, "versions"),
        (Step::Push, "push"),
        (Step::Backup, "backup"),
        (Step::RemountRw, "remount-rw"),
        (Step::Install, "install"),
        (Step::RemountRo, "remount-ro"),
        (Step::Program, "program"),
        (Step::ReadBack, "read-back"),
        (Step::RestartProxy, "restart-m4-proxy"),
        (Step::RpcCheck, "rpc-check"),
        (Step::Rollback, "rollback"),
    ];
    // The JSON's name (serde) is the same as the text's (issue 13: it was `restart-proxy`
    // in JSON and `restart-m4-proxy` in text; the README lists `restart-m4-proxy`).
    for (step, name) in steps {
        assert_eq!(step.name(), name);
        assert_eq!(serde_json::to_value(step).unwrap(), name);
    }
}

#[test]
fn call_outcome_kinds_are_kept() {
    use std::time::Duration;
    use x8ctl_core::rpc::Value;
    use x8ctl_core::rpc::client::CallOutcome;
    let kinds = [
        (
            CallOutcome::Answered {
                result: Value::Nil,
                elapsed: Duration::ZERO,
            },
            "answered",
        ),
        (
            CallOutcome::NoAnswer {
                elapsed: Duration::ZERO,
            },
            "no_answer",
        ),
        (CallOutcome::M4Error { error: Value::Nil }, "m4_error"),
        (
            CallOutcome::Refused(x8ctl_core::rpc::dialect::Refusal::Nil {
                path: String::new(),
            }),
            "refused",
        ),
        (CallOutcome::NotListening, "not_listening"),
        (
            CallOutcome::StaleReply {
                expected: 1,
                got: 2,
            },
            "stale_reply",
        ),
        (CallOutcome::Timeout, "timeout"),
        (CallOutcome::Protocol(String::new()), "protocol"),
        (CallOutcome::Transport(String::new()), "transport"),
        (
            CallOutcome::ProxyDown {
                state: String::new(),
                gave_up: false,
            },
            "m4_proxy_down",
        ),
        (
            CallOutcome::ProxyCrashed {
                method: String::new(),
                args: 0,
                state: String::new(),
                restarts: None,
                gave_up: false,
            },
            "m4_proxy_crashed",
        ),
    ];
    for (outcome, kind) in kinds {
        assert_eq!(outcome.kind(), kind);
    }
}
