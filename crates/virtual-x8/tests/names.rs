//! `--profile` names (derived with strum): kept, and an unknown one says what to use.

use virtual_x8::adbd::Profile;

#[test]
fn profile_names_parse() {
    assert_eq!("x8".parse::<Profile>(), Ok(Profile::X8));
    assert_eq!("modern".parse::<Profile>(), Ok(Profile::Modern));
    assert_eq!(
        "X8".parse::<Profile>(),
        Err("unknown profile 'X8' (use x8 or modern)".to_string())
    );
}
