//! Password reset by email over a real SMTP server: `reset-password ID…
//! --send-email` against the test server in `smtp_server` (Rust, in the test
//! process, with a throw-away CA from rcgen) in plain, STARTTLS and
//! implicit-TLS modes, with and without authentication; what the customer
//! receives (parsed as a mail client does, by mail-parser), what is stored,
//! what the operator sees, what travelled in clear text, and what happens when
//! sending fails, the server misbehaves or the configuration is wrong.

use std::time::Duration;

use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use serde_json::Value;

use crate::db_test;
use crate::smtp_server::{Mode, Options, Received, SmtpServer};
use crate::support::*;

// ---------------------------------------------------------------- helpers

const SUBJECT: &str = "Your password has been reset";
const SMTP_USER: &str = "mailer";
/// The SMTP password the authenticating test server accepts.
const SMTP_PASSWORD: &str = "s3cr@t-Mail-pw";
/// [`SMTP_PASSWORD`] percent-encoded for a URL.
const SMTP_PASSWORD_IN_URL: &str = "s3cr%40t-Mail-pw";

/// A TCP port on 127.0.0.1 with nothing listening on it (right now).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind a free port")
        .local_addr()
        .expect("local address")
        .port()
}

/// A test server in `mode`, requiring `SMTP_USER`/`SMTP_PASSWORD` when `auth`.
fn start(env: &Env, mode: Mode, auth: bool) -> SmtpServer {
    let mut options = Options::new(mode);
    if auth {
        options = options.auth(SMTP_USER, SMTP_PASSWORD);
    }
    SmtpServer::start(env.dir.path(), options)
}

/// What custadm needs to reach a test server.
impl SmtpServer {
    /// The environment that points custadm at this server (and its CA).
    fn vars(&self) -> Vec<(String, String)> {
        let mut v = self.vars_without_ca();
        if let Some(ca) = &self.ca {
            v.push(("CUSTADM_SMTP_CA_FILE".into(), ca.display().to_string()));
        }
        v
    }

    /// The same without the CA: the server's certificate is not trusted.
    fn vars_without_ca(&self) -> Vec<(String, String)> {
        vars(&[
            ("CUSTADM_SMTP_URL", &self.url()),
            ("CUSTADM_MAIL_FROM", FROM),
        ])
    }

    /// Every message received so far, parsed.
    fn mails(&self) -> Vec<Mail> {
        self.messages().iter().map(Mail::parse).collect()
    }
}

/// Asserts a server on `port` sends no clear-text SMTP greeting (it waits
/// for a TLS ClientHello instead).
#[track_caller]
fn assert_no_cleartext_greeting(port: u16) {
    use std::io::Read;
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_millis(1500)))
        .unwrap();
    let mut buf = [0u8; 64];
    let n = s.read(&mut buf).unwrap_or(0);
    assert!(
        !buf[..n].starts_with(b"220"),
        "the smtps server greets in clear text: {:?}",
        String::from_utf8_lossy(&buf[..n])
    );
}

/// Owned environment pairs.
fn vars(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// One message as the server received it.
struct Mail {
    mail_from: String,
    rcpt_tos: Vec<String>,
    /// The raw message (headers and body) as sent.
    data: String,
    tls: bool,
    authenticated: bool,
    /// Headers as a mail client reads them (decoded).
    headers: Vec<(String, String)>,
    /// The decoded text/plain body.
    body: String,
}

/// A header's value as a mail client shows it.
fn header_text(value: &mail_parser::HeaderValue<'_>) -> String {
    use mail_parser::HeaderValue as H;
    match value {
        H::Text(t) => t.to_string(),
        H::TextList(l) => l.join(", "),
        H::Address(a) => a
            .iter()
            .map(|addr| {
                let email = addr.address.as_deref().unwrap_or("");
                match addr.name.as_deref() {
                    Some(name) => format!("{name} <{email}>"),
                    None => email.to_string(),
                }
            })
            .collect::<Vec<_>>()
            .join(", "),
        H::ContentType(ct) => match &ct.c_subtype {
            Some(sub) => format!("{}/{sub}", ct.c_type),
            None => ct.c_type.to_string(),
        },
        H::DateTime(d) => d.to_rfc3339(),
        _ => String::new(),
    }
}

impl Mail {
    fn parse(r: &Received) -> Mail {
        let parsed = mail_parser::MessageParser::default()
            .parse(r.data.as_bytes())
            .unwrap_or_else(|| panic!("cannot parse the message:\n{}", r.data));
        let headers = parsed
            .headers()
            .iter()
            .map(|h| (h.name.as_str().to_string(), header_text(&h.value)))
            .collect();
        Mail {
            mail_from: r.mail_from.clone(),
            rcpt_tos: r.rcpt_tos.clone(),
            data: r.data.clone(),
            tls: r.tls,
            authenticated: r.authenticated,
            headers,
            body: parsed
                .body_text(0)
                .map(|b| b.into_owned())
                .unwrap_or_default(),
        }
    }

    /// Every decoded value of header `name` (case-insensitive).
    fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The raw header section, up to the first empty line.
    fn raw_headers(&self) -> &str {
        let end = self
            .data
            .find("\r\n\r\n")
            .or_else(|| self.data.find("\n\n"))
            .unwrap_or(self.data.len());
        &self.data[..end]
    }

    /// The temporary password: the one body line indented by 4 spaces.
    #[track_caller]
    fn temporary_password(&self) -> String {
        let candidates: Vec<&str> = self
            .body
            .lines()
            .filter_map(|l| l.strip_prefix("    "))
            .map(|l| l.trim_end())
            .filter(|l| !l.is_empty() && !l.starts_with(char::is_whitespace))
            .collect();
        assert_eq!(
            candidates.len(),
            1,
            "expected exactly one line indented by 4 spaces (the password) in the body:\n{}",
            self.body
        );
        let pw = candidates[0];
        assert!(
            !pw.contains(char::is_whitespace),
            "the password line holds more than the password: {pw:?}"
        );
        pw.to_string()
    }

    /// Checks the message every reset mail must be: one recipient, the
    /// subject, a plain-text body naming the customer, the instruction to
    /// change the password at the next login; returns the password.
    #[track_caller]
    fn check_reset_mail(&self, name: &str, email: &str) -> String {
        assert_eq!(
            self.rcpt_tos,
            vec![email.to_string()],
            "envelope recipients"
        );
        assert_eq!(self.mail_from, FROM, "envelope sender");
        assert_eq!(self.header("Subject"), vec![SUBJECT], "Subject header");
        let to = self.header("To");
        assert_eq!(to.len(), 1, "one To header: {:?}", self.headers);
        assert!(to[0].contains(email), "To header {:?} lacks {email}", to[0]);
        let from = self.header("From");
        assert!(
            from.len() == 1 && from[0].contains(FROM),
            "From header: {from:?}"
        );
        assert!(
            self.header("Content-Type")
                .iter()
                .any(|c| c.to_ascii_lowercase().starts_with("text/plain")),
            "not plain text: {:?}",
            self.headers
        );
        assert!(
            self.body.contains(name),
            "the body lacks the customer's name {name:?}:\n{}",
            self.body
        );
        let lower = self.body.to_lowercase();
        assert!(
            lower.contains("next")
                && (lower.contains("log in") || lower.contains("login"))
                && (lower.contains("change") || lower.contains("new password")),
            "the body does not say the password must be changed at the next login:\n{}",
            self.body
        );
        let pw = self.temporary_password();
        assert!(
            pw.chars().count() >= 20,
            "temporary password too short: {} characters",
            pw.chars().count()
        );
        pw
    }
}

/// `custadm reset-password ARGS` with these environment variables.
fn reset(env: &Env, vars: &[(String, String)], args: &[&str]) -> Run {
    let mut cmd = env.cmd().args(&["reset-password"]).args(args);
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

fn password_hash(env: &Env, id: i64) -> String {
    text(
        env,
        &format!("SELECT password_hash AS v FROM customers WHERE id = {id}"),
    )
    .expect("customer exists")
}

fn must_change(env: &Env, id: i64) -> bool {
    env.count(
        "customers",
        &format!(
            "id = {id} AND must_change_password = {}",
            env.bool_sql(true)
        ),
    ) == 1
}

/// Every column of a customer row in one string: equal snapshots mean
/// nothing about the customer was written.
fn customer_row(env: &Env, id: i64) -> String {
    text(
        env,
        &format!(
            "SELECT full_name || '|' || email || '|' || COALESCE(phone, '-') || '|' || password_hash \
             || '|' || CAST(must_change_password AS TEXT) || '|' || CAST(is_active AS TEXT) \
             || '|' || COALESCE(CAST(deleted_at AS TEXT), '-') || '|' || CAST(updated_at AS TEXT) AS v \
             FROM customers WHERE id = {id}"
        ),
    )
    .expect("customer exists")
}

/// True when `password` verifies against the stored PHC string `hash`.
fn verifies(hash: &str, password: &str) -> bool {
    match PasswordHash::new(hash) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// An Argon2id hash (contract parameters) of `password`.
fn argon2id_hash(password: &str) -> String {
    let salt = SaltString::encode_b64(&rand::random::<[u8; 16]>()).expect("salt");
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("hash")
        .to_string()
}

/// Gives a customer a known password (and `must_change_password` false).
fn set_known_password(env: &Env, id: i64, password: &str) -> String {
    let hash = argon2id_hash(password);
    env.exec(&format!(
        "UPDATE customers SET password_hash = {}, must_change_password = {} WHERE id = {id}",
        quote(&hash),
        env.bool_sql(false)
    ));
    hash
}

/// The whole audit_log, every contract column, as text.
fn audit_dump(env: &Env) -> String {
    let mut all = String::new();
    for col in [
        "id",
        "occurred_at",
        "operator",
        "os_user",
        "action",
        "customer_id",
        "outcome",
        "reason",
        "details",
    ] {
        for v in env.texts(&format!(
            "SELECT CAST({col} AS TEXT) AS v FROM audit_log ORDER BY id"
        )) {
            all.push_str(&v.unwrap_or_default());
            all.push('\n');
        }
    }
    all
}

/// `reset_password` audit rows of a customer with this outcome.
fn reset_password_rows(env: &Env, id: i64, outcome: &str) -> i64 {
    env.count(
        "audit_log",
        &format!("action = 'reset_password' AND customer_id = {id} AND outcome = '{outcome}'"),
    )
}

/// The details of the only `reset_password` row of a customer with this outcome.
#[track_caller]
fn reset_password_details(env: &Env, id: i64, outcome: &str) -> Value {
    let rows = env.texts(&format!(
        "SELECT CAST(details AS TEXT) AS v FROM audit_log \
         WHERE action = 'reset_password' AND customer_id = {id} AND outcome = '{outcome}'"
    ));
    assert_eq!(
        rows.len(),
        1,
        "expected one {outcome} reset_password audit row for customer {id}"
    );
    let details = rows[0].clone().unwrap_or_default();
    assert!(
        !details.contains("$argon2"),
        "audit details hold a hash: {details}"
    );
    serde_json::from_str(&details).unwrap_or_else(|e| panic!("details not JSON ({e}): {details}"))
}

/// Asserts `secret` appears in none of the places an operator or auditor sees.
#[track_caller]
fn assert_hidden(env: &Env, run: &Run, secret: &str, what: &str) {
    assert!(!secret.is_empty());
    for (place, text) in [
        ("stdout", run.stdout.as_str()),
        ("stderr", run.stderr.as_str()),
        ("audit_log", audit_dump(env).as_str()),
    ] {
        assert!(
            !text.contains(secret),
            "{place} shows the {what} {secret:?}:\n{text}"
        );
    }
}

/// The result for `id` in a changing command's JSON document.
#[track_caller]
fn result_for(doc: &Value, id: i64) -> &Value {
    doc["results"]
        .as_array()
        .expect("results array")
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}: {doc}"))
}

// ---------------------------------------------------------------- plain SMTP

db_test!(plain_smtp_mails_the_password_and_never_shows_it, |env| {
    env.init_db(0);
    let email = "alice@example.com";
    let id = env.insert_customer("Alice Example", email);
    let server = start(&env, Mode::Plain, false);

    let run = reset(
        &env,
        &server.vars(),
        &[&id.to_string(), "--send-email", "-o", "json"],
    );
    run.ok();
    let doc = run.json();
    assert_eq!(doc["action"], "reset_password");
    assert_eq!(doc["dry_run"], false);
    let r = result_for(&doc, id);
    assert_eq!(r["outcome"], "changed", "{doc}");
    assert!(
        r.get("temporary_password").is_none(),
        "the JSON result shows the temporary password: {doc}"
    );
    assert!(
        r["message"].as_str().unwrap_or("").contains(email),
        "the result message does not say where the password was sent: {doc}"
    );
    assert_eq!(doc["summary"]["changed"], 1);

    let mails = server.mails();
    assert_eq!(mails.len(), 1, "one message");
    let mail = &mails[0];
    assert!(!mail.tls && !mail.authenticated);
    assert!(
        mail.raw_headers()
            .lines()
            .any(|l| l.trim_end() == format!("Subject: {SUBJECT}")),
        "no plain Subject line:\n{}",
        mail.data
    );
    let pw = mail.check_reset_mail("Alice Example", email);

    let hash = password_hash(&env, id);
    assert!(hash.starts_with("$argon2id$"), "not Argon2id: {hash}");
    assert!(
        verifies(&hash, &pw),
        "the mailed password does not verify against the stored hash"
    );
    assert!(must_change(&env, id), "must_change_password not set");
    assert_hidden(&env, &run, &pw, "temporary password");
    assert_hidden(&env, &run, &hash, "password hash");

    let details = reset_password_details(&env, id, "ok");
    assert_eq!(details["email_sent_to"], email, "{details}");

    // The default table output: again mailed, again not shown.
    let run2 = reset(&env, &server.vars(), &[&id.to_string(), "--send-email"]);
    run2.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 2, "a second message");
    let pw2 = mails[1].check_reset_mail("Alice Example", email);
    assert_ne!(pw, pw2, "the same temporary password twice");
    let hash2 = password_hash(&env, id);
    assert!(
        verifies(&hash2, &pw2),
        "the second password does not verify"
    );
    assert!(!verifies(&hash2, &pw), "the first password still verifies");
    assert!(
        run2.stdout.contains(email),
        "the table does not say where the password was sent:\n{}",
        run2.stdout
    );
    assert_hidden(&env, &run2, &pw2, "temporary password");
    assert_eq!(reset_password_rows(&env, id, "ok"), 2);
});

db_test!(several_ids_get_one_mail_each, |env| {
    env.init_db(0);
    let people = [
        ("Ann One", "ann@example.com"),
        ("Ben Two", "ben@example.com"),
        ("Cat Three", "cat@example.com"),
    ];
    let ids: Vec<i64> = people
        .iter()
        .map(|(n, e)| env.insert_customer(n, e))
        .collect();
    let id_args: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    let server = start(&env, Mode::Plain, false);

    // Several customers without a TTY need --yes: nothing is sent before it.
    let before: Vec<String> = ids.iter().map(|&i| customer_row(&env, i)).collect();
    let mut args: Vec<&str> = id_args.iter().map(String::as_str).collect();
    args.push("--send-email");
    reset(&env, &server.vars(), &args).code(2);
    assert_eq!(server.mails().len(), 0, "mail sent without --yes");
    let after: Vec<String> = ids.iter().map(|&i| customer_row(&env, i)).collect();
    assert_eq!(before, after, "changed without --yes");

    args.extend(["--yes", "-o", "json"]);
    let run = reset(&env, &server.vars(), &args);
    run.ok();
    let doc = run.json();
    assert_eq!(doc["summary"]["changed"], 3, "{doc}");
    let mails = server.mails();
    assert_eq!(mails.len(), 3, "one message per customer");
    let mut passwords = Vec::new();
    for ((name, email), &id) in people.iter().zip(&ids) {
        let r = result_for(&doc, id);
        assert_eq!(r["outcome"], "changed");
        assert!(r.get("temporary_password").is_none(), "{doc}");
        assert!(r["message"].as_str().unwrap_or("").contains(email), "{doc}");
        let to_them: Vec<&Mail> = mails
            .iter()
            .filter(|m| m.rcpt_tos.iter().any(|r| r == email))
            .collect();
        assert_eq!(to_them.len(), 1, "messages to {email}");
        let pw = to_them[0].check_reset_mail(name, email);
        assert!(
            verifies(&password_hash(&env, id), &pw),
            "{email}'s mailed password does not verify"
        );
        assert!(must_change(&env, id));
        assert_hidden(&env, &run, &pw, "temporary password");
        assert_eq!(
            reset_password_details(&env, id, "ok")["email_sent_to"],
            *email
        );
        passwords.push(pw);
    }
    passwords.sort();
    passwords.dedup();
    assert_eq!(passwords.len(), 3, "customers got the same password");
});

// ---------------------------------------------------------------- TLS

db_test!(starttls_with_the_test_ca, |env| {
    env.init_db(0);
    let email = "bob@example.com";
    let id = env.insert_customer("Bob Builder", email);
    let server = start(&env, Mode::StartTls, false);

    // Without the CA the server's certificate is not trusted: nothing is
    // sent (not even in clear text) and nothing changes.
    let before = customer_row(&env, id);
    let run = reset(
        &env,
        &server.vars_without_ca(),
        &[&id.to_string(), "--send-email"],
    );
    run.code(6);
    run.error_line(&server.server());
    assert_eq!(
        server.mails().len(),
        0,
        "sent to an untrusted server or without TLS"
    );
    assert_eq!(
        customer_row(&env, id),
        before,
        "changed although sending failed"
    );

    let run = reset(&env, &server.vars(), &[&id.to_string(), "--send-email"]);
    run.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].tls, "STARTTLS was offered but not used");
    let pw = mails[0].check_reset_mail("Bob Builder", email);
    assert!(verifies(&password_hash(&env, id), &pw));
    assert!(must_change(&env, id));
    assert_hidden(&env, &run, &pw, "temporary password");
});

#[test]
fn starttls_with_authentication_from_a_file_or_the_url() {
    let env = Env::sqlite();
    env.init_db(0);
    let email = "dora@example.com";
    let id = env.insert_customer("Dora Auth", email);
    let server = start(&env, Mode::StartTls, true);
    let ca = server.ca.clone().expect("ca").display().to_string();
    let pw_file = env.dir.path().join("smtp-password");
    std::fs::write(&pw_file, format!("{SMTP_PASSWORD}\n")).expect("password file");

    // The password from CUSTADM_SMTP_PASSWORD_FILE.
    let run = reset(
        &env,
        &vars(&[
            (
                "CUSTADM_SMTP_URL",
                &server.url_with(&format!("{SMTP_USER}@")),
            ),
            ("CUSTADM_MAIL_FROM", FROM),
            ("CUSTADM_SMTP_CA_FILE", &ca),
            ("CUSTADM_SMTP_PASSWORD_FILE", &pw_file.display().to_string()),
        ]),
        &[&id.to_string(), "--send-email"],
    );
    run.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].tls && mails[0].authenticated, "not TLS + AUTH");
    let pw = mails[0].check_reset_mail("Dora Auth", email);
    assert!(verifies(&password_hash(&env, id), &pw));
    assert_hidden(&env, &run, &pw, "temporary password");
    assert_hidden(&env, &run, SMTP_PASSWORD, "SMTP password");

    // The password in the URL (percent-encoded).
    let run = reset(
        &env,
        &vars(&[
            (
                "CUSTADM_SMTP_URL",
                &server.url_with(&format!("{SMTP_USER}:{SMTP_PASSWORD_IN_URL}@")),
            ),
            ("CUSTADM_MAIL_FROM", FROM),
            ("CUSTADM_SMTP_CA_FILE", &ca),
        ]),
        &[&id.to_string(), "--send-email", "-o", "json"],
    );
    run.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 2);
    assert!(mails[1].tls && mails[1].authenticated, "not TLS + AUTH");
    let pw = mails[1].check_reset_mail("Dora Auth", email);
    assert!(verifies(&password_hash(&env, id), &pw));
    assert_hidden(&env, &run, &pw, "temporary password");
    assert_hidden(&env, &run, SMTP_PASSWORD, "SMTP password");
    assert_hidden(&env, &run, SMTP_PASSWORD_IN_URL, "SMTP password");

    // A wrong password: refused by the server, nothing changes, and the
    // wrong password is not printed back.
    let wrong = "Wr0ng-Auth-Secret-91";
    let before = customer_row(&env, id);
    let run = reset(
        &env,
        &vars(&[
            (
                "CUSTADM_SMTP_URL",
                &server.url_with(&format!("{SMTP_USER}:{wrong}@")),
            ),
            ("CUSTADM_MAIL_FROM", FROM),
            ("CUSTADM_SMTP_CA_FILE", &ca),
        ]),
        &[&id.to_string(), "--send-email", "-o", "json"],
    );
    run.code(6);
    assert_eq!(server.mails().len(), 2, "sent with a wrong password");
    assert_eq!(
        customer_row(&env, id),
        before,
        "changed although sending failed"
    );
    assert!(verifies(&password_hash(&env, id), &pw), "old password lost");
    assert_eq!(result_for(&run.json(), id)["outcome"], "failed");
    run.error_line(&server.server());
    assert_hidden(&env, &run, wrong, "SMTP password");
    assert_eq!(reset_password_rows(&env, id, "failed"), 1);

    // On the wire: credentials only after STARTTLS, in every attempt.
    assert_eq!(server.auth_successes(), 2);
    server.assert_no_cleartext_credentials(SMTP_USER, SMTP_PASSWORD);
    server.assert_no_cleartext_credentials(SMTP_USER, wrong);
}

db_test!(implicit_tls_with_the_test_ca, |env| {
    env.init_db(0);
    let email = "tess@example.com";
    let id = env.insert_customer("Tess Wrapper", email);
    let server = start(&env, Mode::Tls, false);
    assert!(server.url().starts_with("smtps://"));

    // The server speaks TLS from the first byte: no clear-text greeting.
    assert_no_cleartext_greeting(server.port);

    // Without the CA the handshake fails: nothing sent, nothing changed.
    let before = customer_row(&env, id);
    let run = reset(
        &env,
        &server.vars_without_ca(),
        &[&id.to_string(), "--send-email"],
    );
    run.code(6);
    run.error_line(&server.server());
    assert_eq!(server.mails().len(), 0, "sent to an untrusted server");
    assert_eq!(customer_row(&env, id), before);

    let run = reset(
        &env,
        &server.vars(),
        &[&id.to_string(), "--send-email", "-o", "json"],
    );
    run.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(mails[0].tls, "received outside TLS");
    assert!(
        server.cleartext().is_empty(),
        "clear text on an smtps connection:\n{}",
        server.cleartext()
    );
    let pw = mails[0].check_reset_mail("Tess Wrapper", email);
    assert!(verifies(&password_hash(&env, id), &pw));
    assert!(must_change(&env, id));
    assert_hidden(&env, &run, &pw, "temporary password");
    assert_eq!(
        reset_password_details(&env, id, "ok")["email_sent_to"],
        email
    );
});

// ---------------------------------------------------------------- failures

db_test!(server_down_keeps_the_old_password, |env| {
    env.init_db(0);
    let email = "carol@example.com";
    let id = env.insert_customer("Carol Down", email);
    let old = "Old-Password-0123456789";
    let old_hash = set_known_password(&env, id, old);
    let before = customer_row(&env, id);
    let port = free_port(); // nothing listens there
    let secret = "Wr0ng-Secret-Down-42";

    let run = reset(
        &env,
        &vars(&[
            (
                "CUSTADM_SMTP_URL",
                &format!("smtp://mailer:{secret}@127.0.0.1:{port}"),
            ),
            ("CUSTADM_MAIL_FROM", FROM),
        ]),
        &[&id.to_string(), "--send-email", "-o", "json"],
    );
    run.code(6);
    let server = format!("127.0.0.1:{port}");
    run.error_line(&server);
    let doc = run.json();
    let r = result_for(&doc, id);
    assert_eq!(r["outcome"], "failed", "{doc}");
    assert!(r.get("temporary_password").is_none(), "{doc}");
    assert!(
        r["message"].as_str().unwrap_or("").contains(&server),
        "the failure does not name the server: {doc}"
    );
    assert_eq!(doc["summary"]["failed"], 1);
    assert_hidden(&env, &run, secret, "SMTP password");

    assert_eq!(customer_row(&env, id), before, "customer changed");
    assert_eq!(password_hash(&env, id), old_hash);
    assert!(
        verifies(&password_hash(&env, id), old),
        "old password no longer valid"
    );
    assert!(!must_change(&env, id), "must_change_password touched");
    assert_eq!(reset_password_rows(&env, id, "ok"), 0);
    reset_password_details(&env, id, "failed");
    assert!(!audit_dump(&env).contains(old), "old password in audit_log");
});

db_test!(names_cannot_inject_headers, |env| {
    env.init_db(0);
    let eve = env.insert_customer(
        "Eve\r\nBcc: attacker@evil.test\r\nX-Injected: 1",
        "eve@example.com",
    );
    let mallory = env.insert_customer(
        "Mallory\nSubject: pwned\n\u{1b}[31m\u{85}Cc: cc@evil.test\rReply-To: r@evil.test",
        "mallory@example.com",
    );
    let server = start(&env, Mode::Plain, false);
    let run = reset(
        &env,
        &server.vars(),
        &[
            &eve.to_string(),
            &mallory.to_string(),
            "--send-email",
            "--yes",
            "-o",
            "json",
        ],
    );
    run.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 2, "one message per customer");
    for (email, name_start) in [
        ("eve@example.com", "Eve"),
        ("mallory@example.com", "Mallory"),
    ] {
        let mail = mails
            .iter()
            .find(|m| m.rcpt_tos.iter().any(|r| r == email))
            .unwrap_or_else(|| panic!("no message to {email}"));
        assert_eq!(mail.rcpt_tos, vec![email.to_string()], "extra recipients");
        let raw = mail.raw_headers();
        for line in raw.split('\n') {
            let l = line.trim_start_matches('\r').to_ascii_lowercase();
            for bad in ["bcc:", "cc:", "x-injected:", "reply-to:"] {
                assert!(!l.starts_with(bad), "injected header line {line:?}:\n{raw}");
            }
        }
        assert_eq!(
            raw.lines()
                .filter(|l| l.to_ascii_lowercase().starts_with("subject:"))
                .count(),
            1,
            "Subject headers:\n{raw}"
        );
        // Lines end in CRLF only: no bare CR or LF splits a header.
        let bytes = raw.as_bytes();
        for (i, &b) in bytes.iter().enumerate() {
            if b == b'\r' {
                assert!(bytes.get(i + 1) == Some(&b'\n'), "bare CR in:\n{raw:?}");
            }
            if b == b'\n' {
                assert!(i > 0 && bytes[i - 1] == b'\r', "bare LF in:\n{raw:?}");
            }
        }
        for bad in ["Bcc", "Cc", "X-Injected", "Reply-To"] {
            assert!(
                mail.header(bad).is_empty(),
                "a mail client sees a {bad} header: {:?}",
                mail.headers
            );
        }
        assert_eq!(mail.header("Subject"), vec![SUBJECT]);
        let to = mail.header("To");
        assert!(
            to.len() == 1 && to[0].contains(name_start) && to[0].contains(email),
            "To: {to:?}"
        );
        assert!(
            !to[0].chars().any(|c| c.is_control()),
            "control characters in To: {to:?}"
        );
        let pw = mail.temporary_password();
        let id = if email.starts_with("eve") {
            eve
        } else {
            mallory
        };
        assert!(verifies(&password_hash(&env, id), &pw));
    }
    assert!(mails
        .iter()
        .all(|m| !m.rcpt_tos.iter().any(|r| r.contains("evil"))));
});

db_test!(mixed_run_changes_the_good_and_keeps_the_failed, |env| {
    env.init_db(0);
    let good = env.insert_customer("Good Customer", "good@example.com");
    let bad1 = env.insert_customer("Bad One", "not-an-address");
    let bad2 = env.insert_customer("Bad Two", "bad\r\naddress@example.com");
    let old = "Old-Password-For-Bad-Ones";
    set_known_password(&env, bad1, old);
    set_known_password(&env, bad2, old);
    let before1 = customer_row(&env, bad1);
    let before2 = customer_row(&env, bad2);
    let server = start(&env, Mode::Plain, false);

    let run = reset(
        &env,
        &server.vars(),
        &[
            &good.to_string(),
            &bad1.to_string(),
            &bad2.to_string(),
            "--send-email",
            "--yes",
            "-o",
            "json",
        ],
    );
    run.code(7);
    let doc = run.json();
    assert_eq!(result_for(&doc, good)["outcome"], "changed", "{doc}");
    assert_eq!(result_for(&doc, bad1)["outcome"], "failed", "{doc}");
    assert_eq!(result_for(&doc, bad2)["outcome"], "failed", "{doc}");
    assert_eq!(doc["summary"]["changed"], 1, "{doc}");
    assert_eq!(doc["summary"]["failed"], 2, "{doc}");
    for r in doc["results"].as_array().unwrap() {
        assert!(r.get("temporary_password").is_none(), "{doc}");
    }

    let mails = server.mails();
    assert_eq!(mails.len(), 1, "only the good address gets a message");
    let pw = mails[0].check_reset_mail("Good Customer", "good@example.com");
    assert!(verifies(&password_hash(&env, good), &pw));
    assert!(must_change(&env, good));
    assert_hidden(&env, &run, &pw, "temporary password");
    assert_eq!(
        reset_password_details(&env, good, "ok")["email_sent_to"],
        "good@example.com"
    );

    for (id, before) in [(bad1, before1), (bad2, before2)] {
        assert_eq!(
            customer_row(&env, id),
            before,
            "failed customer {id} changed"
        );
        assert!(verifies(&password_hash(&env, id), old));
        assert!(!must_change(&env, id));
        assert_eq!(reset_password_rows(&env, id, "ok"), 0);
        reset_password_details(&env, id, "failed");
    }
});

// ---------------------------------------------------------------- configuration

/// Runs a reset that must stop with exit 6 on its configuration: nothing
/// changed, nothing audited.
#[track_caller]
fn config_error(env: &Env, id: i64, vars: &[(String, String)]) -> Run {
    let before = customer_row(env, id);
    let audit_before = env.count("audit_log", "");
    let run = reset(env, vars, &[&id.to_string(), "--send-email"]);
    run.code(6);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1,
        "one error line:\n{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "stdout: {}", run.stdout);
    assert_eq!(customer_row(env, id), before, "customer changed");
    assert_eq!(
        env.count("audit_log", ""),
        audit_before,
        "a misconfigured run wrote to audit_log"
    );
    run
}

/// A SQLite env with one customer holding a known password.
fn config_env() -> (Env, i64, String) {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Conf Customer", "conf@example.com");
    let hash = set_known_password(&env, id, "Known-Password-0123456");
    (env, id, hash)
}

#[test]
fn config_without_smtp_url_is_exit_6() {
    let (env, id, hash) = config_env();
    let run = config_error(&env, id, &vars(&[("CUSTADM_MAIL_FROM", FROM)]));
    run.error_line("CUSTADM_SMTP_URL");
    assert_eq!(password_hash(&env, id), hash);
    let run = config_error(
        &env,
        id,
        &vars(&[("CUSTADM_SMTP_URL", ""), ("CUSTADM_MAIL_FROM", FROM)]),
    );
    run.error_line("CUSTADM_SMTP_URL");
    assert_eq!(password_hash(&env, id), hash);
}

#[test]
fn config_malformed_smtp_url_is_exit_6_without_the_secret() {
    let (env, id, hash) = config_env();
    for url in [
        "http://x",
        "smtp://u:topsecret@h:notaport",
        "smtp://u:topsecret@h:99999",
        "smtp://u:topsecret@",
        "smtp://u:topsecret@h:25/path",
        "smtps://u:topsecret@h:465?x=1",
        "mailto:u:topsecret@h",
    ] {
        let run = config_error(
            &env,
            id,
            &vars(&[("CUSTADM_SMTP_URL", url), ("CUSTADM_MAIL_FROM", FROM)]),
        );
        assert!(
            !run.stderr.contains("topsecret") && !run.stdout.contains("topsecret"),
            "{url}: the SMTP password is printed back:\n{}",
            run.stderr
        );
        assert_eq!(password_hash(&env, id), hash, "{url}");
    }
}

#[test]
fn config_without_or_with_a_bad_mail_from_is_exit_6() {
    let (env, id, hash) = config_env();
    // A live server: a product that ignored the missing sender would send.
    let server = start(&env, Mode::Plain, false);
    let run = config_error(&env, id, &vars(&[("CUSTADM_SMTP_URL", &server.url())]));
    run.error_line("CUSTADM_MAIL_FROM");
    for from in ["", "not an address", "a@b\r\nBcc: x@evil.test"] {
        config_error(
            &env,
            id,
            &vars(&[
                ("CUSTADM_SMTP_URL", &server.url()),
                ("CUSTADM_MAIL_FROM", from),
            ]),
        );
    }
    assert_eq!(server.mails().len(), 0, "a message went out");
    assert_eq!(password_hash(&env, id), hash);
}

#[test]
fn config_unreadable_password_or_ca_file_is_exit_6() {
    let (env, id, hash) = config_env();
    let server = start(&env, Mode::StartTls, false);
    let ca = server.ca.clone().unwrap().display().to_string();
    let missing = env.dir.path().join("no-such-file").display().to_string();
    let empty = env.dir.path().join("empty");
    std::fs::write(&empty, "").unwrap();

    for file in [&missing, &empty.display().to_string()] {
        config_error(
            &env,
            id,
            &vars(&[
                ("CUSTADM_SMTP_URL", &server.url_with("mailer@")),
                ("CUSTADM_MAIL_FROM", FROM),
                ("CUSTADM_SMTP_CA_FILE", &ca),
                ("CUSTADM_SMTP_PASSWORD_FILE", file),
            ]),
        );
    }
    config_error(
        &env,
        id,
        &vars(&[
            ("CUSTADM_SMTP_URL", &server.url()),
            ("CUSTADM_MAIL_FROM", FROM),
            ("CUSTADM_SMTP_CA_FILE", &missing),
        ]),
    );
    assert_eq!(server.mails().len(), 0, "a message went out");
    assert_eq!(password_hash(&env, id), hash);
}

/// A CA file holding no certificate is malformed configuration: exit 6
/// before any connection, not a send attempt that fails later.
#[test]
fn config_ca_file_without_a_certificate_is_exit_6_before_sending() {
    let (env, id, hash) = config_env();
    let server = start(&env, Mode::StartTls, false);
    let not_pem = env.dir.path().join("not.pem");
    std::fs::write(&not_pem, "this is not a certificate\n").unwrap();
    config_error(
        &env,
        id,
        &vars(&[
            ("CUSTADM_SMTP_URL", &server.url()),
            ("CUSTADM_MAIL_FROM", FROM),
            ("CUSTADM_SMTP_CA_FILE", &not_pem.display().to_string()),
        ]),
    );
    assert_eq!(server.mails().len(), 0, "a message went out");
    assert_eq!(password_hash(&env, id), hash);
}

// ---------------------------------------------------------------- usage

db_test!(several_ids_without_send_email_is_exit_2, |env| {
    env.init_db(0);
    let a = env.insert_customer("Ann Usage", "ann.usage@example.com");
    let b = env.insert_customer("Ben Usage", "ben.usage@example.com");
    let before = (customer_row(&env, a), customer_row(&env, b));
    for extra in [&[][..], &["--yes"][..], &["--yes", "-o", "json"][..]] {
        let mut args = vec![a.to_string(), b.to_string()];
        args.extend(extra.iter().map(|s| s.to_string()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = reset(&env, &[], &args);
        run.code(2);
        assert!(
            !run.stdout.to_lowercase().contains("temporary"),
            "{}",
            run.stdout
        );
        assert_eq!(
            (customer_row(&env, a), customer_row(&env, b)),
            before,
            "changed"
        );
        assert_eq!(env.count("audit_log", "action = 'reset_password'"), 0);
    }
});

db_test!(dry_run_with_send_email_sends_and_writes_nothing, |env| {
    env.init_db(0);
    let a = env.insert_customer("Dry Ann", "dry.ann@example.com");
    let b = env.insert_customer("Dry Ben", "dry.ben@example.com");
    let before = (customer_row(&env, a), customer_row(&env, b));
    let server = start(&env, Mode::Plain, false);

    let run = reset(
        &env,
        &server.vars(),
        &[&a.to_string(), "--send-email", "--dry-run", "-o", "json"],
    );
    run.ok();
    let doc = run.json();
    assert_eq!(doc["dry_run"], true, "{doc}");
    assert_eq!(result_for(&doc, a)["outcome"], "would_change", "{doc}");
    assert!(result_for(&doc, a).get("temporary_password").is_none());

    let run = reset(
        &env,
        &server.vars(),
        &[
            &a.to_string(),
            &b.to_string(),
            "--send-email",
            "--dry-run",
            "--yes",
            "-o",
            "json",
        ],
    );
    run.ok();
    let doc = run.json();
    assert_eq!(doc["summary"]["would_change"], 2, "{doc}");

    assert_eq!(server.mails().len(), 0, "a dry run sent mail");
    assert_eq!(
        (customer_row(&env, a), customer_row(&env, b)),
        before,
        "changed"
    );
    assert_eq!(env.count("audit_log", "action = 'reset_password'"), 0);
});

// ---------------------------------------------------------------- credentials only over TLS

/// Every place an operator or auditor sees, and what the server saw in clear
/// text, as one text.
fn everything_seen(env: &Env, run: &Run) -> String {
    format!(
        "stdout:\n{}\nstderr:\n{}\naudit_log:\n{}",
        run.stdout,
        run.stderr,
        audit_dump(env)
    )
}

db_test!(
    a_server_offering_auth_without_starttls_gets_no_credentials,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Clear Text", "clear@example.com");
        let old = "Old-Password-Clear-0123";
        set_known_password(&env, id, old);
        let before = customer_row(&env, id);
        let mut options = Options::new(Mode::Plain).auth(SMTP_USER, SMTP_PASSWORD);
        options.auth_in_clear = true;
        let server = SmtpServer::start(env.dir.path(), options);
        let pw_file = env.dir.path().join("smtp-password");
        std::fs::write(&pw_file, format!("{SMTP_PASSWORD}\n")).expect("password file");

        for vars in [
            // The password in the URL, then from a file.
            vars(&[
                (
                    "CUSTADM_SMTP_URL",
                    &server.url_with(&format!("{SMTP_USER}:{SMTP_PASSWORD_IN_URL}@")),
                ),
                ("CUSTADM_MAIL_FROM", FROM),
            ]),
            vars(&[
                (
                    "CUSTADM_SMTP_URL",
                    &server.url_with(&format!("{SMTP_USER}@")),
                ),
                ("CUSTADM_MAIL_FROM", FROM),
                ("CUSTADM_SMTP_PASSWORD_FILE", &pw_file.display().to_string()),
            ]),
        ] {
            let run = reset(
                &env,
                &vars,
                &[&id.to_string(), "--send-email", "-o", "json"],
            );
            run.code(6);
            run.error_line("STARTTLS");
            let r = result_for(&run.json(), id).clone();
            assert_eq!(r["outcome"], "failed", "{r}");
            assert_hidden(&env, &run, SMTP_PASSWORD, "SMTP password");
            for form in crate::smtp_server::credential_forms(SMTP_USER, SMTP_PASSWORD) {
                assert!(!everything_seen(&env, &run).contains(&form), "{form}");
            }
        }
        // The server offered AUTH and got none: no AUTH line, no credentials in
        // any form, no message.
        assert!(server.connections() >= 2, "custadm never connected");
        assert!(
            server
                .transcript()
                .iter()
                .any(|l| !l.from_client && l.text.contains("AUTH PLAIN")),
            "the server did not offer AUTH"
        );
        server.assert_no_cleartext_credentials(SMTP_USER, SMTP_PASSWORD);
        assert_eq!(server.mails().len(), 0, "a message went out");
        assert_eq!(customer_row(&env, id), before, "customer changed");
        assert!(verifies(&password_hash(&env, id), old), "old password lost");
        assert_eq!(reset_password_rows(&env, id, "ok"), 0);
    }
);

#[test]
fn auth_login_after_starttls_keeps_credentials_off_the_clear_wire() {
    let env = Env::sqlite();
    env.init_db(0);
    let id = env.insert_customer("Login Mech", "login@example.com");
    let mut options = Options::new(Mode::StartTls).auth(SMTP_USER, SMTP_PASSWORD);
    options.mechanisms = vec!["LOGIN"];
    let server = SmtpServer::start(env.dir.path(), options);
    let mut v = server.vars();
    v[0].1 = server.url_with(&format!("{SMTP_USER}:{SMTP_PASSWORD_IN_URL}@"));
    let run = reset(&env, &v, &[&id.to_string(), "--send-email"]);
    run.ok();
    let mails = server.mails();
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].tls && mails[0].authenticated,
        "not TLS + AUTH LOGIN"
    );
    assert_eq!(server.auth_successes(), 1);
    assert!(
        server
            .transcript()
            .iter()
            .any(|l| l.from_client && l.tls && l.text.eq_ignore_ascii_case("AUTH LOGIN")),
        "AUTH LOGIN was not used"
    );
    server.assert_no_cleartext_credentials(SMTP_USER, SMTP_PASSWORD);
    let pw = mails[0].check_reset_mail("Login Mech", "login@example.com");
    assert!(verifies(&password_hash(&env, id), &pw));
    assert_hidden(&env, &run, SMTP_PASSWORD, "SMTP password");
}

db_test!(a_server_echoing_the_auth_line_leaks_nothing, |env| {
    env.init_db(0);
    let id = env.insert_customer("Echo Victim", "echo@example.com");
    let old = "Old-Password-Echo-0123";
    set_known_password(&env, id, old);
    let before = customer_row(&env, id);
    let mut options = Options::new(Mode::StartTls).auth(SMTP_USER, SMTP_PASSWORD);
    options.echo = true;
    let server = SmtpServer::start(env.dir.path(), options);
    let mut v = server.vars();
    v[0].1 = server.url_with(&format!("{SMTP_USER}:{SMTP_PASSWORD_IN_URL}@"));

    for format in ["table", "json"] {
        let run = reset(&env, &v, &[&id.to_string(), "--send-email", "-o", format]);
        run.code(6);
        // The status code, and nothing else the server said.
        run.error_line("535");
        let seen = everything_seen(&env, &run);
        for form in crate::smtp_server::credential_forms(SMTP_USER, SMTP_PASSWORD) {
            assert!(
                !seen.contains(&form),
                "the echoed credentials {form:?} leak:\n{seen}"
            );
        }
        for echo in [
            "AUTH",
            "you said",
            "Authentication credentials invalid",
            "owned-by-smtp",
            "\u{1b}",
            "greets",
        ] {
            assert!(
                !seen.contains(echo),
                "the server's words {echo:?} leak:\n{seen}"
            );
        }
    }
    // The echo really happened, inside TLS only.
    let echoed: Vec<_> = server
        .transcript()
        .into_iter()
        .filter(|l| !l.from_client && l.text.starts_with("535") && l.text.contains("AUTH PLAIN "))
        .collect();
    assert_eq!(echoed.len(), 2, "the server did not echo the AUTH line");
    assert!(echoed.iter().all(|l| l.tls));
    server.assert_no_cleartext_credentials(SMTP_USER, SMTP_PASSWORD);
    assert_eq!(server.mails().len(), 0);
    assert_eq!(customer_row(&env, id), before, "customer changed");
    assert!(verifies(&password_hash(&env, id), old));
    assert_eq!(reset_password_rows(&env, id, "failed"), 2);
});

// ---------------------------------------------------------------- outages

/// `n` customers `Outage k` / `outage{k}@example.com`, each with the known
/// password `old`; returns their ids.
fn outage_customers(env: &Env, n: usize, old: &str) -> Vec<i64> {
    let hash = argon2id_hash(old);
    (1..=n)
        .map(|k| {
            let id = env.insert_customer(&format!("Outage {k}"), &format!("outage{k}@example.com"));
            env.exec(&format!(
                "UPDATE customers SET password_hash = {} WHERE id = {id}",
                quote(&hash)
            ));
            id
        })
        .collect()
}

/// Runs `reset-password --send-email` over `ids` and checks the outage
/// rules: the first `attempted` failures say `what`, the rest are `failed`,
/// "not attempted"; none of them changed.
#[track_caller]
fn outage_run(
    env: &Env,
    vars: &[(String, String)],
    ids: &[i64],
    old: &str,
    failed_attempts: &[i64],
    what: &str,
) -> Value {
    let before: Vec<String> = ids.iter().map(|&i| customer_row(env, i)).collect();
    let mut args: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    args.extend(["--send-email", "--yes", "-o", "json"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = reset(env, vars, &args);
    let doc = run.json();
    let mut not_attempted = 0;
    for (k, &id) in ids.iter().enumerate() {
        let r = result_for(&doc, id);
        if r["outcome"] == "changed" {
            continue;
        }
        assert_eq!(r["outcome"], "failed", "{doc}");
        let msg = r["message"].as_str().unwrap_or("");
        assert!(!msg.contains("os error"), "an OS error number: {msg}");
        if failed_attempts.contains(&id) {
            assert!(msg.contains(what), "{id}: {msg:?} does not say {what:?}");
            assert!(!msg.contains("not attempted"), "{msg}");
            assert_eq!(
                reset_password_rows(env, id, "failed"),
                1,
                "failed attempt {id} not audited"
            );
        } else {
            assert!(msg.contains("not attempted"), "{id}: {msg}");
            not_attempted += 1;
            assert_eq!(
                env.count("audit_log", &format!("customer_id = {id}")),
                0,
                "a customer not attempted has audit rows"
            );
        }
        assert_eq!(customer_row(env, id), before[k], "customer {id} changed");
        assert!(
            verifies(&password_hash(env, id), old),
            "{id}: old password lost"
        );
    }
    assert!(not_attempted > 0, "the run never stopped: {doc}");
    assert!(!run.stderr.contains("os error"), "{}", run.stderr);
    doc
}

db_test!(a_mail_outage_stops_the_run_after_three_failures, |env| {
    env.init_db(0);
    let old = "Old-Password-Outage-01";
    let ids = outage_customers(&env, 12, old);

    // Nothing listens: connection refused, three times, then 9 not attempted.
    let port = free_port();
    let v = vars(&[
        ("CUSTADM_SMTP_URL", &format!("smtp://127.0.0.1:{port}")),
        ("CUSTADM_MAIL_FROM", FROM),
    ]);
    let doc = outage_run(&env, &v, &ids, old, &ids[..3], "connection refused");
    assert_eq!(doc["summary"]["failed"], 12, "{doc}");
    assert_eq!(reset_password_rows(&env, ids[3], "failed"), 0);

    // The server takes 4 customers, then its port closes: 4 changed, the
    // next refused, an address that cannot be mailed (no contact: the
    // streak goes on), two more refused, then the rest not attempted: exit 7.
    env.exec(&format!(
        "UPDATE customers SET email = 'not-an-address' WHERE id = {}",
        ids[5]
    ));
    let mut options = Options::new(Mode::Plain);
    options.max_connections = Some(4);
    let server = SmtpServer::start(env.dir.path(), options);
    let mut args: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    args.extend(["--send-email", "--yes", "-o", "json"].map(String::from));
    let before: Vec<String> = ids.iter().map(|&i| customer_row(&env, i)).collect();
    let run = reset(
        &env,
        &server.vars(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    run.code(7);
    let doc = run.json();
    assert_eq!(doc["summary"]["changed"], 4, "{doc}");
    assert_eq!(doc["summary"]["failed"], 8, "{doc}");
    assert_eq!(server.mails().len(), 4);
    for (k, &id) in ids.iter().enumerate() {
        let r = result_for(&doc, id);
        let msg = r["message"].as_str().unwrap_or("").to_string();
        match k {
            0..=3 => assert_eq!(r["outcome"], "changed", "{doc}"),
            4 | 6 | 7 => assert!(msg.contains("connection refused"), "{k}: {msg}"),
            5 => assert!(msg.contains("cannot be mailed"), "{k}: {msg}"),
            _ => assert!(msg.contains("not attempted"), "{k}: {msg}"),
        }
        if k >= 4 {
            assert_eq!(customer_row(&env, id), before[k], "customer {id} changed");
        }
    }
});

db_test!(a_tls_failure_counts_as_an_outage, |env| {
    env.init_db(0);
    let old = "Old-Password-Outage-02";
    let ids = outage_customers(&env, 5, old);
    // smtps:// to a server that speaks clear text: every handshake fails.
    let server = SmtpServer::simple(env.dir.path(), Mode::Plain);
    let v = vars(&[
        (
            "CUSTADM_SMTP_URL",
            &format!("smtps://127.0.0.1:{}", server.port),
        ),
        ("CUSTADM_MAIL_FROM", FROM),
    ]);
    let doc = outage_run(&env, &v, &ids, old, &ids[..3], "TLS failed");
    assert_eq!(doc["summary"]["failed"], 5, "{doc}");
    assert_eq!(server.connections(), 3, "custadm kept connecting");
    let seen = doc.to_string() + &audit_dump(&env);
    assert!(
        !seen.contains("custadm test SMTP"),
        "the greeting leaks: {seen}"
    );
});

/// A server that accepts and never answers: each attempt waits custadm's
/// 10 s SMTP timeout, so three of them and the run stops (SQLite only: the
/// rule is the same on both backends, checked above).
#[test]
fn a_silent_server_times_out_three_times_then_stops() {
    let env = Env::sqlite();
    env.init_db(0);
    let old = "Old-Password-Outage-03";
    let ids = outage_customers(&env, 4, old);
    let mut options = Options::new(Mode::Plain);
    options.silent = true;
    let server = SmtpServer::start(env.dir.path(), options);
    let doc = outage_run(&env, &server.vars(), &ids, old, &ids[..3], "timed out");
    assert_eq!(doc["summary"]["failed"], 4, "{doc}");
    assert_eq!(server.connections(), 3);
}

// ---------------------------------------------------------------- no lock while mailing

/// Starts `custadm reset-password ARGS` without waiting for it.
fn spawn_reset(env: &Env, vars: &[(String, String)], args: &[&str]) -> std::process::Child {
    let mut cmd = env.cmd().args(&["reset-password"]).args(args);
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    let mut child = cmd.cmd.spawn().expect("spawn custadm");
    drop(child.stdin.take());
    child
}

/// The highest audit id of these actions for a customer.
fn last_audit_id(env: &Env, id: i64, actions: &str) -> i64 {
    env.scalar(&format!(
        "SELECT MAX(id) AS v FROM audit_log WHERE customer_id = {id} AND action IN ({actions})"
    ))
    .unwrap_or(0)
}

db_test!(writers_are_never_blocked_while_mail_is_sent, |env| {
    env.init_db(0);
    let id = env.insert_customer("Race Mail", "race@example.com");
    let mut options = Options::new(Mode::Plain);
    options.hold = true;
    let server = SmtpServer::start(env.dir.path(), options);
    let (mut toggle_first, mut reset_first) = (0, 0);
    for round in 1..=10usize {
        let flag = if round % 2 == 1 {
            "--deactivate"
        } else {
            "--activate"
        };
        let child = spawn_reset(&env, &server.vars(), &[&id.to_string(), "--send-email"]);
        // The server has the message and holds its reply: custadm is
        // talking to the mail server now.
        server.wait_held(round, Duration::from_secs(60));
        let (toggle, reset_run) = if round % 3 != 0 {
            // A writer while the mail is out: it must not wait for custadm.
            // (Should it wait anyway, the reply is released after 30 s so the
            // test fails instead of hanging.)
            let mut writer = env
                .cmd()
                .args(&["toggle", &id.to_string(), flag])
                .cmd
                .spawn()
                .expect("spawn toggle");
            drop(writer.stdin.take());
            let started = std::time::Instant::now();
            while writer.try_wait().expect("try_wait").is_none() {
                if started.elapsed() > Duration::from_secs(30) {
                    server.release_all();
                    let run = finish(writer);
                    panic!("round {round}: toggle waited for the mail to be answered: {run:?}");
                }
                std::thread::sleep(Duration::from_millis(10));
            }
            let toggle = finish(writer);
            let mut child = child;
            assert!(
                child.try_wait().expect("try_wait").is_none(),
                "round {round}: the reset finished before its mail was answered"
            );
            server.release();
            (toggle, finish(child))
        } else {
            // A writer racing the reset's commit.
            server.release();
            std::thread::sleep(Duration::from_millis(rand::random::<u64>() % 40));
            let toggle = env.run(&["toggle", &id.to_string(), flag]);
            (toggle, finish(child))
        };
        for (what, run) in [("toggle", &toggle), ("reset-password", &reset_run)] {
            assert_eq!(run.code, 0, "round {round}: {what}: {}", run.stderr);
            let lower = run.stderr.to_lowercase();
            assert!(
                !lower.contains("busy") && !lower.contains("locked"),
                "round {round}: {what} waited for a lock: {}",
                run.stderr
            );
        }
        // Both changes hold: the toggle's flag, the mailed password.
        let active = env.count(
            "customers",
            &format!("id = {id} AND is_active = {}", env.bool_sql(true)),
        ) == 1;
        assert_eq!(
            active,
            flag == "--activate",
            "round {round}: the toggle was lost"
        );
        let mails = server.mails();
        assert_eq!(mails.len(), round);
        let pw = mails[round - 1].temporary_password();
        assert!(
            verifies(&password_hash(&env, id), &pw),
            "round {round}: the mailed password was lost"
        );
        assert_eq!(reset_password_rows(&env, id, "ok"), round as i64);
        let t = last_audit_id(&env, id, "'activate', 'deactivate'");
        let r = last_audit_id(&env, id, "'reset_password'");
        if t < r {
            toggle_first += 1;
        } else {
            reset_first += 1;
        }
    }
    assert!(
        toggle_first > 0 && reset_first > 0,
        "one order only: toggle first {toggle_first}, reset first {reset_first}"
    );
});

db_test!(
    the_customer_is_checked_again_after_the_mail_went_out,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Recheck Me", "recheck@example.com");
        let old = "Old-Password-Recheck-01";
        set_known_password(&env, id, old);
        let mut options = Options::new(Mode::Plain);
        options.hold = true;
        let server = SmtpServer::start(env.dir.path(), options);

        // Soft-deleted while the mail was out: refused, the old password stays.
        let child = spawn_reset(
            &env,
            &server.vars(),
            &[&id.to_string(), "--send-email", "-o", "json"],
        );
        server.wait_held(1, Duration::from_secs(60));
        env.run(&["delete", &id.to_string(), "--yes"]).ok();
        server.release();
        let run = finish(child);
        run.code(5);
        let r = result_for(&run.json(), id).clone();
        assert_eq!(r["outcome"], "refused", "{r}");
        assert!(
            r["message"]
                .as_str()
                .unwrap_or("")
                .contains("deleted while"),
            "{r}"
        );
        assert!(verifies(&password_hash(&env, id), old), "old password lost");
        assert!(!must_change(&env, id));
        let details = reset_password_details(&env, id, "failed");
        assert_eq!(details["email_sent_to"], "recheck@example.com", "{details}");
        assert_eq!(reset_password_rows(&env, id, "ok"), 0);
        env.run(&["restore", &id.to_string()]).ok();

        // The email changed while the mail was out: the password went to an
        // address that is no longer the customer's, so it is not set.
        let child = spawn_reset(
            &env,
            &server.vars(),
            &[&id.to_string(), "--send-email", "-o", "json"],
        );
        server.wait_held(2, Duration::from_secs(60));
        env.run(&["edit", &id.to_string(), "--email", "moved@example.com"])
            .ok();
        server.release();
        let run = finish(child);
        run.code(5);
        let r = result_for(&run.json(), id).clone();
        assert!(
            r["message"]
                .as_str()
                .unwrap_or("")
                .contains("email changed"),
            "{r}"
        );
        assert!(verifies(&password_hash(&env, id), old), "old password lost");
        assert_eq!(reset_password_rows(&env, id, "ok"), 0);
        assert_eq!(reset_password_rows(&env, id, "failed"), 2);
        assert_eq!(server.mails().len(), 2);
    }
);

// ---------------------------------------------------------------- shown on stdout

db_test!(quiet_never_hides_the_temporary_password, |env| {
    env.init_db(0);
    let id = env.insert_customer("Quiet Quinn", "quinn@example.com");
    let run = env.run(&["-q", "reset-password", &id.to_string()]);
    run.ok();
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines.len(),
        1,
        "-q prints the password alone: {:?}",
        run.stdout
    );
    assert!(lines[0].chars().count() >= 20, "{:?}", lines[0]);
    assert!(
        verifies(&password_hash(&env, id), lines[0]),
        "the printed password is not the stored one"
    );
    assert!(must_change(&env, id));

    let run = env.run(&["-q", "reset-password", &id.to_string(), "-o", "json"]);
    run.ok();
    let pw = result_for(&run.json(), id)["temporary_password"]
        .as_str()
        .expect("temporary_password in JSON under -q")
        .to_string();
    assert!(verifies(&password_hash(&env, id), &pw));
});

/// Runs `reset-password ID` with stdout set up by `stdout`; the change must
/// be rolled back: exit `code`, one error line, the old password valid, no
/// audit row.
#[track_caller]
fn unwritable_stdout(
    env: &Env,
    id: i64,
    old: &str,
    args: &[&str],
    code: i32,
    stdout: impl Fn(&mut std::process::Command),
) {
    let before = customer_row(env, id);
    let audit_before = env.count("audit_log", "action = 'reset_password'");
    let mut cmd = env
        .cmd()
        .args(&["reset-password", &id.to_string()])
        .args(args);
    stdout(&mut cmd.cmd);
    let run = cmd.run();
    run.code(code);
    assert_eq!(
        run.stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count(),
        1,
        "{args:?}: {}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(customer_row(env, id), before, "{args:?}: customer changed");
    assert!(
        verifies(&password_hash(env, id), old),
        "{args:?}: old password lost"
    );
    assert_eq!(
        env.count("audit_log", "action = 'reset_password'"),
        audit_before
    );
}

db_test!(a_password_that_cannot_be_written_is_not_set, |env| {
    use std::os::unix::process::CommandExt;
    env.init_db(0);
    let id = env.insert_customer("Lost Stdout", "lost@example.com");
    let old = "Old-Password-Stdout-01";
    set_known_password(&env, id, old);
    for args in [&["-q"][..], &[][..], &["-o", "json"][..]] {
        // A full disk.
        unwritable_stdout(&env, id, old, args, 6, |c| {
            c.stdout(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .expect("/dev/full"),
            );
        });
        // A pipe whose reader is gone.
        unwritable_stdout(&env, id, old, args, 6, |c| {
            let mut fds = [0; 2];
            // SAFETY: pipe fills two fds; we own both.
            assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
            // SAFETY: the read end is ours and closed once.
            unsafe { libc::close(fds[0]) };
            // SAFETY: the write end is ours; Stdio owns it from now on.
            c.stdout(unsafe {
                <std::process::Stdio as std::os::fd::FromRawFd>::from_raw_fd(fds[1])
            });
        });
        // /dev/null, or stdout closed (Rust reopens it on /dev/null): refused
        // before anything.
        unwritable_stdout(&env, id, old, args, 2, |c| {
            c.stdout(std::process::Stdio::null());
        });
        unwritable_stdout(&env, id, old, args, 2, |c| {
            // SAFETY: close is async-signal-safe.
            unsafe {
                c.pre_exec(|| {
                    libc::close(1);
                    Ok(())
                });
            }
        });
    }
    // The same customer, stdout fine: changed.
    let run = env.run(&["-q", "reset-password", &id.to_string()]);
    run.ok();
    assert!(verifies(&password_hash(&env, id), run.stdout.trim()));
});

/// This machine's first address that is not loopback (`hostname -I`), for a
/// mail server that is not a local relay; `None` (a visible skip, a failure
/// under CI) when it has none.
fn non_loopback_address() -> Option<std::net::IpAddr> {
    let out = std::process::Command::new("hostname")
        .arg("-I")
        .output()
        .ok();
    let found = out.and_then(|o| {
        String::from_utf8_lossy(&o.stdout)
            .split_whitespace()
            .filter_map(|a| a.parse::<std::net::IpAddr>().ok())
            .find(|ip| !ip.is_loopback() && ip.is_ipv4())
    });
    if found.is_none() {
        assert_ne!(
            std::env::var("CI").as_deref(),
            Ok("true"),
            "CI=true but this machine has no address other than loopback"
        );
        eprintln!("SKIPPED: no non-loopback address for the plaintext-mail test");
        record_skip(
            "mail to a server that is not on loopback",
            "this machine has no non-loopback IPv4 address",
        );
    }
    found
}

db_test!(
    a_temporary_password_goes_out_only_over_tls_except_to_a_loopback_relay,
    |env| {
        env.init_db(0);
        let id = env.insert_customer("Clear Wire", "wire@example.com");
        let old = "Old-Password-Wire-0123";
        set_known_password(&env, id, old);
        // A relay on this machine, no TLS: fine (as before).
        let local = SmtpServer::simple(env.dir.path(), Mode::Plain);
        reset(
            &env,
            &vars(&[
                ("CUSTADM_SMTP_URL", &local.url()),
                ("CUSTADM_MAIL_FROM", FROM),
            ]),
            &[&id.to_string(), "--send-email"],
        )
        .ok();
        assert_eq!(local.mails().len(), 1);
        set_known_password(&env, id, old);
        let Some(ip) = non_loopback_address() else {
            return;
        };
        let mut options = Options::new(Mode::Plain);
        options.ip = ip;
        let remote = SmtpServer::start(env.dir.path(), options);
        let before = snapshot(&env, id);
        let oks = audit_rows(&env, "reset_password", "ok", "admin");
        // No STARTTLS offered, no credentials: refused, exit 6, nothing changed,
        // nothing sent.
        for args in [vec![], vec!["-o", "json"]] {
            let mut argv = vec![id.to_string(), "--send-email".to_string()];
            argv.extend(args.iter().map(|a| a.to_string()));
            let argv: Vec<&str> = argv.iter().map(String::as_str).collect();
            let run = reset(
                &env,
                &vars(&[
                    ("CUSTADM_SMTP_URL", &remote.url()),
                    ("CUSTADM_MAIL_FROM", FROM),
                ]),
                &argv,
            );
            run.code(6).error_line("smtp_allow_plaintext");
            assert_eq!(remote.mails().len(), 0, "a message went out in clear text");
            assert_eq!(snapshot(&env, id), before, "customer changed");
            assert!(verifies(&password_hash(&env, id), old), "old password lost");
            assert_eq!(audit_rows(&env, "reset_password", "ok", "admin"), oks);
        }
        // The profile opts out: sent as before.
        let dir = env.dir.path().join("config").join("custadm");
        std::fs::create_dir_all(&dir).expect("config dir");
        std::fs::write(
            dir.join("config.toml"),
            "[profiles.lan]\nsmtp_allow_plaintext = true\n",
        )
        .expect("config");
        reset(
            &env,
            &vars(&[
                ("CUSTADM_SMTP_URL", &remote.url()),
                ("CUSTADM_MAIL_FROM", FROM),
                ("CUSTADM_PROFILE", "lan"),
            ]),
            &[&id.to_string(), "--send-email"],
        )
        .ok();
        assert_eq!(remote.mails().len(), 1);
        assert!(!verifies(&password_hash(&env, id), old));
    }
);
