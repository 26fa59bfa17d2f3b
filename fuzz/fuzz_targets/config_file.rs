//! `config::parse_text` (the config file parser): never panics on any text;
//! its errors never quote a secret the file holds, wherever the fuzzed text
//! puts the secret-bearing URL (a mistyped value, a broken line, a key);
//! every profile name it accepts is either valid or refused by
//! `valid_profile_name` (what completion scripts are given).
#![no_main]

use custadm::config::{parse_text, valid_profile_name};
use libfuzzer_sys::fuzz_target;

const SECRET: &str = "Fz9SecretPw";

fuzz_target!(|s: &str| {
    let url = format!("postgres://u:{SECRET}@h/db?sslpassword={SECRET}2");
    let texts = [
        s.to_string(),
        format!("[profiles.p]\ndatabase_url = \"{url}\"\n{s}"),
        format!("[profiles.p]\n{s} = \"{url}\"\n"),
        format!("[profiles.p]\nproduction = \"{url}\"{s}\n"),
        format!("{s}\"{url}\""),
        format!("[profiles.\"{url}\"]\n{s}"),
    ];
    for text in texts {
        match parse_text(&text, "fuzz.toml") {
            Err(e) => {
                let message = e.to_string();
                if !s.contains(SECRET) {
                    assert!(!message.contains(SECRET), "{text:?} -> {message}");
                }
            }
            Ok(config) => {
                for name in config.profiles.keys() {
                    let _ = valid_profile_name(name);
                }
            }
        }
    }
});
