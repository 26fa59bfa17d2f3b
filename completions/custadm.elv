
use builtin;
use str;

set edit:completion:arg-completer[custadm] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'custadm'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'custadm'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand init 'Create the database and schema, register the first admin, optionally load sample data'
            cand db 'Schema migrations: apply pending ones, show their status'
            cand list 'List customers, filtered, ordered by id (streams)'
            cand view 'Show one customer: details, latest KYC record, unpaid invoices'
            cand edit 'Change a customer''s name, email or phone'
            cand toggle 'Activate or deactivate customers'
            cand reset-password 'Give customers a new random temporary password'
            cand delete 'Soft-delete customers (refused while they have unpaid invoices)'
            cand restore 'Undo a soft delete'
            cand undo 'Reverse an earlier toggle, delete, restore or edit run'
            cand purge 'Erase a customer and everything they own, for good (admin, password-confirmed)'
            cand export 'Everything stored about one customer, as one JSON document (subject access)'
            cand audit 'Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head'
            cand runs 'The last runs of changing commands, newest first (cron''s last night)'
            cand operator 'Manage operators and their roles (admin; `passwd` for oneself)'
            cand config 'Show the effective settings and where each came from'
            cand completions 'Print a shell completion script'
            cand version 'Show the version and what this binary was built from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;init'= {
            cand --admin 'Username of the first admin [default: the OS login name, and then bound to that login]'
            cand --sample-data 'Load N realistic sample customers'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read the admin password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;db'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand migrate 'Apply the migrations this custadm has and the database lacks'
            cand status 'Show the applied and pending migrations'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;db;migrate'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;db;status'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;db;help'= {
            cand migrate 'Apply the migrations this custadm has and the database lacks'
            cand status 'Show the applied and pending migrations'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;db;help;migrate'= {
        }
        &'custadm;db;help;status'= {
        }
        &'custadm;db;help;help'= {
        }
        &'custadm;list'= {
            cand --status 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]'
            cand --search 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan'
            cand --last-login-before 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --created-before 'Created before WHEN'
            cand --created-after 'Created after WHEN'
            cand --limit 'At most N customers'
            cand -o 'Output format: table, json, jsonl (one object a line), csv, or ids (one a line, for --ids-from -)'
            cand --output 'Output format: table, json, jsonl (one object a line), csv, or ids (one a line, for --ids-from -)'
            cand --after 'Only ids greater than ID (paging: pass the last id of the previous page; ids other programs made zero or negative page like any other)'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --has-unpaid 'Only customers with unpaid invoices'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;view'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;edit'= {
            cand --name 'New full name (1-150 characters)'
            cand --email 'New email (stored lower-case, unique)'
            cand --phone 'New phone: international (+44 20 7946 0958) or, with default_region set, national form; stored E.164'
            cand --from 'Changes for many customers from FILE (`-`: standard input): CSV with a header naming id or email and any of full_name, new_email, phone (an empty cell leaves the field), or JSON lines {"id"|"email", "full_name"?, "new_email"?, "phone"? (null clears)}'
            cand --format 'Format of --from: csv or jsonl [default: from the file''s extension]'
            cand --batch-size 'With --from: rows per transaction'
            cand --max-changes 'With --from: refuse the run (exit 5, nothing changed) when it would change more than N customers (or P% of the customers not soft-deleted) [default: the profile''s max_changes]'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --clear-phone 'Remove the phone number'
            cand -y 'Go ahead without asking (required for --from when there is no terminal to ask on)'
            cand --yes 'Go ahead without asking (required for --from when there is no terminal to ask on)'
            cand --dry-run 'Report what would change (`would_change`; with --from every row''s outcome) and write nothing'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;toggle'= {
            cand --ids-from 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped'
            cand --batch-size 'Ids per transaction'
            cand --max-changes 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]'
            cand --status 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]'
            cand --search 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan'
            cand --last-login-before 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --created-before 'Created before WHEN'
            cand --created-after 'Created after WHEN'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --activate 'Make the customers active'
            cand --deactivate 'Make the customers inactive'
            cand --dry-run 'Report what would change (`would_change`) and write nothing'
            cand -y 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --yes 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --has-unpaid 'Only customers with unpaid invoices'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;reset-password'= {
            cand --ids-from 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped'
            cand --batch-size 'Ids per transaction'
            cand --max-changes 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]'
            cand --status 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]'
            cand --search 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan'
            cand --last-login-before 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --created-before 'Created before WHEN'
            cand --created-after 'Created after WHEN'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --send-email 'Mail each customer their temporary password instead of showing it (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM, CUSTADM_SMTP_PASSWORD_FILE)'
            cand --dry-run 'Report what would change (`would_change`) and write nothing'
            cand -y 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --yes 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --has-unpaid 'Only customers with unpaid invoices'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;delete'= {
            cand --ids-from 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped'
            cand --batch-size 'Ids per transaction'
            cand --max-changes 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]'
            cand --status 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]'
            cand --search 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan'
            cand --last-login-before 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --created-before 'Created before WHEN'
            cand --created-after 'Created after WHEN'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --dry-run 'Report what would change (`would_change`) and write nothing'
            cand -y 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --yes 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --has-unpaid 'Only customers with unpaid invoices'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;restore'= {
            cand --ids-from 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped'
            cand --batch-size 'Ids per transaction'
            cand --max-changes 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]'
            cand --status 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]'
            cand --search 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan'
            cand --last-login-before 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --created-before 'Created before WHEN'
            cand --created-after 'Created after WHEN'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --dry-run 'Report what would change (`would_change`) and write nothing'
            cand -y 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --yes 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --has-unpaid 'Only customers with unpaid invoices'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;undo'= {
            cand --batch-size 'Customers per transaction'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --dry-run 'Report what would be changed back (`would_change`) and write nothing'
            cand -y 'Go ahead without asking (required when there is no terminal to ask on)'
            cand --yes 'Go ahead without asking (required when there is no terminal to ask on)'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;purge'= {
            cand --deleted-before 'Purge the customers soft-deleted before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --max-changes 'Refuse (exit 5, nothing erased) when more customers than N (or P% of the customers not soft-deleted) would be purged [default: the profile''s max_changes]'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;export'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;audit'= {
            cand --customer 'Only rows about this customer (id, or the email of an existing customer)'
            cand --run 'Only rows written by this run (the `run` of a changing command''s result)'
            cand --operator 'Only rows by this operator (after `audit`, `--operator` filters; before it, as in `custadm --operator ann audit`, it names who runs the command)'
            cand --action 'Only this action (view, edit, activate, deactivate, reset_password, delete, restore, purge, operator_add, …)'
            cand --since 'Only rows since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --before 'Only rows older than row ID (the next page: stderr names ID when --limit cuts the list)'
            cand --limit 'At most N rows'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand verify 'Check the hash chain of every audit row (exit 8 naming the first bad row)'
            cand digest 'Print the chain''s head (id, chain_hash, occurred_at) as one line of JSON'
            cand archive 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)'
            cand keygen 'Make an Ed25519 signing key for audit anchors and digests'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;audit;verify'= {
            cand --digest 'The output of `audit digest` as JSON text, or @FILE with one digest a line (anchor lines and syslog extracts of them work too)'
            cand --anchors 'Also check every anchor in FILE (default: the profile''s `file:` anchor sink): each must lie on the chain, after the one before it, validly signed when audit_public_key is set'
            cand --archive 'An archive made by `audit archive`, walked before the table: the table''s rows must continue from its last row. Repeat for several, oldest first'
            cand --since 'Check only the rows after this digest''s row (which must still match): JSON text or @FILE (its last digest); the nightly check then costs what the night wrote'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --archive-only 'Check the --archive files on their own: no database is opened'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;audit;digest'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;audit;archive'= {
            cand --before 'Archive the rows older than WHEN: a date (2026-01-31) or an age (365d, 12h, 2w)'
            cand --to 'The archive file to write (never overwritten)'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;audit;keygen'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;audit;help'= {
            cand verify 'Check the hash chain of every audit row (exit 8 naming the first bad row)'
            cand digest 'Print the chain''s head (id, chain_hash, occurred_at) as one line of JSON'
            cand archive 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)'
            cand keygen 'Make an Ed25519 signing key for audit anchors and digests'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;audit;help;verify'= {
        }
        &'custadm;audit;help;digest'= {
        }
        &'custadm;audit;help;archive'= {
        }
        &'custadm;audit;help;keygen'= {
        }
        &'custadm;audit;help;help'= {
        }
        &'custadm;runs'= {
            cand --action 'Only runs of this action (deactivate, activate, delete, restore, edit, reset_password, purge, undo)'
            cand --since 'Only runs started since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)'
            cand --limit 'At most N runs'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand add 'Register an operator: your own password first, then theirs (asked twice)'
            cand list 'List operators with role, state, lock and OS login binding'
            cand set-role 'Change an operator''s role (asks your own password)'
            cand passwd 'Set a password: your own (asks your current one first) or, as admin, another operator''s'
            cand deactivate 'Deactivate an operator: they can no longer run custadm (asks your own password)'
            cand activate 'Reactivate an operator (asks your own password)'
            cand unlock 'Clear another operator''s wrong-password lock (asks your own password)'
            cand bind 'Bind an operator to an OS login: only that login can act as them (asks your own password)'
            cand unbind 'Remove an operator''s OS login binding (asks your own password)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;operator;add'= {
            cand --role 'admin or support'
            cand --os-user 'Bind the operator to this OS login: only that login can act as them'
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password, then the new operator''s, from two lines of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;list'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;set-role'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;passwd'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read the passwords from standard input (yours, then the new one)'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;deactivate'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;activate'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;unlock'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;bind'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;unbind'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand --password-stdin 'Read your password from one line of standard input'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;operator;help'= {
            cand add 'Register an operator: your own password first, then theirs (asked twice)'
            cand list 'List operators with role, state, lock and OS login binding'
            cand set-role 'Change an operator''s role (asks your own password)'
            cand passwd 'Set a password: your own (asks your current one first) or, as admin, another operator''s'
            cand deactivate 'Deactivate an operator: they can no longer run custadm (asks your own password)'
            cand activate 'Reactivate an operator (asks your own password)'
            cand unlock 'Clear another operator''s wrong-password lock (asks your own password)'
            cand bind 'Bind an operator to an OS login: only that login can act as them (asks your own password)'
            cand unbind 'Remove an operator''s OS login binding (asks your own password)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;operator;help;add'= {
        }
        &'custadm;operator;help;list'= {
        }
        &'custadm;operator;help;set-role'= {
        }
        &'custadm;operator;help;passwd'= {
        }
        &'custadm;operator;help;deactivate'= {
        }
        &'custadm;operator;help;activate'= {
        }
        &'custadm;operator;help;unlock'= {
        }
        &'custadm;operator;help;bind'= {
        }
        &'custadm;operator;help;unbind'= {
        }
        &'custadm;operator;help;help'= {
        }
        &'custadm;config'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand show 'Print the effective settings and their sources (passwords masked)'
            cand profiles 'Print the profile names of the config file, one a line (for completion)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;config;show'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;config;profiles'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;config;help'= {
            cand show 'Print the effective settings and their sources (passwords masked)'
            cand profiles 'Print the profile names of the config file, one a line (for completion)'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;config;help;show'= {
        }
        &'custadm;config;help;profiles'= {
        }
        &'custadm;config;help;help'= {
        }
        &'custadm;completions'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;version'= {
            cand --database-url 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]'
            cand --profile 'Profile of the config file to use [default: $CUSTADM_PROFILE]'
            cand --operator 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused'
            cand -o 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --output 'Output format: table or json (`list` also takes jsonl, csv and ids)'
            cand --reason 'Why (a ticket number or a sentence), stored on every audit row this command writes'
            cand --metrics-file 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]'
            cand -q 'Print only data and errors, no notes'
            cand --quiet 'Print only data and errors, no notes'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'custadm;help'= {
            cand init 'Create the database and schema, register the first admin, optionally load sample data'
            cand db 'Schema migrations: apply pending ones, show their status'
            cand list 'List customers, filtered, ordered by id (streams)'
            cand view 'Show one customer: details, latest KYC record, unpaid invoices'
            cand edit 'Change a customer''s name, email or phone'
            cand toggle 'Activate or deactivate customers'
            cand reset-password 'Give customers a new random temporary password'
            cand delete 'Soft-delete customers (refused while they have unpaid invoices)'
            cand restore 'Undo a soft delete'
            cand undo 'Reverse an earlier toggle, delete, restore or edit run'
            cand purge 'Erase a customer and everything they own, for good (admin, password-confirmed)'
            cand export 'Everything stored about one customer, as one JSON document (subject access)'
            cand audit 'Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head'
            cand runs 'The last runs of changing commands, newest first (cron''s last night)'
            cand operator 'Manage operators and their roles (admin; `passwd` for oneself)'
            cand config 'Show the effective settings and where each came from'
            cand completions 'Print a shell completion script'
            cand version 'Show the version and what this binary was built from'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'custadm;help;init'= {
        }
        &'custadm;help;db'= {
            cand migrate 'Apply the migrations this custadm has and the database lacks'
            cand status 'Show the applied and pending migrations'
        }
        &'custadm;help;db;migrate'= {
        }
        &'custadm;help;db;status'= {
        }
        &'custadm;help;list'= {
        }
        &'custadm;help;view'= {
        }
        &'custadm;help;edit'= {
        }
        &'custadm;help;toggle'= {
        }
        &'custadm;help;reset-password'= {
        }
        &'custadm;help;delete'= {
        }
        &'custadm;help;restore'= {
        }
        &'custadm;help;undo'= {
        }
        &'custadm;help;purge'= {
        }
        &'custadm;help;export'= {
        }
        &'custadm;help;audit'= {
            cand verify 'Check the hash chain of every audit row (exit 8 naming the first bad row)'
            cand digest 'Print the chain''s head (id, chain_hash, occurred_at) as one line of JSON'
            cand archive 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)'
            cand keygen 'Make an Ed25519 signing key for audit anchors and digests'
        }
        &'custadm;help;audit;verify'= {
        }
        &'custadm;help;audit;digest'= {
        }
        &'custadm;help;audit;archive'= {
        }
        &'custadm;help;audit;keygen'= {
        }
        &'custadm;help;runs'= {
        }
        &'custadm;help;operator'= {
            cand add 'Register an operator: your own password first, then theirs (asked twice)'
            cand list 'List operators with role, state, lock and OS login binding'
            cand set-role 'Change an operator''s role (asks your own password)'
            cand passwd 'Set a password: your own (asks your current one first) or, as admin, another operator''s'
            cand deactivate 'Deactivate an operator: they can no longer run custadm (asks your own password)'
            cand activate 'Reactivate an operator (asks your own password)'
            cand unlock 'Clear another operator''s wrong-password lock (asks your own password)'
            cand bind 'Bind an operator to an OS login: only that login can act as them (asks your own password)'
            cand unbind 'Remove an operator''s OS login binding (asks your own password)'
        }
        &'custadm;help;operator;add'= {
        }
        &'custadm;help;operator;list'= {
        }
        &'custadm;help;operator;set-role'= {
        }
        &'custadm;help;operator;passwd'= {
        }
        &'custadm;help;operator;deactivate'= {
        }
        &'custadm;help;operator;activate'= {
        }
        &'custadm;help;operator;unlock'= {
        }
        &'custadm;help;operator;bind'= {
        }
        &'custadm;help;operator;unbind'= {
        }
        &'custadm;help;config'= {
            cand show 'Print the effective settings and their sources (passwords masked)'
            cand profiles 'Print the profile names of the config file, one a line (for completion)'
        }
        &'custadm;help;config;show'= {
        }
        &'custadm;help;config;profiles'= {
        }
        &'custadm;help;completions'= {
        }
        &'custadm;help;version'= {
        }
        &'custadm;help;help'= {
        }
    ]
    $completions[$command]
}
