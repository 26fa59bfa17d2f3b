//! Values several areas share: hostile profile names and characters, secrets
//! that must never be printed, and the mail sender.

pub const FROM: &str = "support@custadm.test";

pub const NEW_PASSWORD: &str = "brand-new-password-77";

/// Profile names that run `touch owned` wherever a shell evaluates them.
pub const HOSTILE_PROFILES: &[&str] = &[
    "$(touch${IFS}owned)",
    "`touch owned`",
    "x;touch owned",
    "x'$(touch owned)'",
    "x\"$(touch owned)\"",
    "x\n$(touch owned)",
    "x|touch owned",
    "x&&touch owned",
    "${IFS}$(touch${IFS}owned)",
    "$((1))$(touch owned)",
    "(touch owned)",
    "-x",
    "x\u{1b}]2;owned\u{7}",
];

pub const OSC_TITLE: &str = "\u{1b}]2;owned\u{7}";

pub const SECRET: &str = "S3cretPW";

/// Database URLs of every form, each holding SECRET somewhere.
pub fn secret_urls() -> Vec<String> {
    let host = "127.0.0.1:5432";
    [
        format!("postgres://root:S3cr%ZZetPW@{host}/x"),
        format!("postgres://root:S3cret PW@{host}/x"),
        format!("postgres://root:{SECRET}@[::1/x"),
        format!("postgres://root:{SECRET}@{host}:99999/x"),
        format!("postgres://root:{SECRET}@{host}/nosuchdb_custadm"),
        format!("postgres://nosuchrole:{SECRET}@{host}/postgres"),
        format!("postgres://root:pa/{SECRET}@{host}/x"),
        format!("postgres://root:{SECRET}@{host}/x?sslmode=bogus"),
        format!("postgresql://root@{host}/x?password={SECRET}"),
        format!("postgres://root@{host}/x?sslpassword={SECRET}&sslmode=require"),
        format!("postgres://root@{host}/x?sslmode=disable&password={SECRET}&bogus=1"),
        format!("postgres://root@{host}/x&password={SECRET}"),
        format!("postgres://root@{host}/x?pass%77ord={SECRET}&bogus=1"),
        format!("postgres://root@{host}/x?PASSWORD={SECRET}"),
        format!("postgres://root@{host}/x?password=S3cr%ZZetPW"),
        format!("postgres://root@{host}/x?password={SECRET}@[::1"),
        format!("postgres://root:{SECRET}@{host}/x?password={SECRET}2"),
    ]
    .into()
}

/// Characters the contract refuses in names: Cf (bar ZWJ/ZWNJ between
/// letters), Zl, Zp, and the fillers.
pub const INVISIBLE: &[char] = &[
    '\u{061C}',
    '\u{00AD}',
    '\u{200B}',
    '\u{200E}',
    '\u{2060}',
    '\u{FEFF}',
    '\u{E0041}',
    '\u{E0001}',
    '\u{3164}',
    '\u{115F}',
    '\u{FFA0}',
    '\u{180E}',
    '\u{2028}',
    '\u{2029}',
    '\u{0600}',
    '\u{FFF9}',
    '\u{1D173}',
    '\u{206A}',
];
