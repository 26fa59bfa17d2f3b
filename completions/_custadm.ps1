
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'custadm' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'custadm'
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
        'custadm' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database and schema, register the first admin, optionally load sample data')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Schema migrations: apply pending ones, show their status')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List customers, filtered, ordered by id (streams)')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Show one customer: details, latest KYC record, unpaid invoices')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a customer''s name, email or phone')
            [CompletionResult]::new('toggle', 'toggle', [CompletionResultType]::ParameterValue, 'Activate or deactivate customers')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Give customers a new random temporary password')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Soft-delete customers (refused while they have unpaid invoices)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Undo a soft delete')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Reverse an earlier toggle, delete, restore or edit run')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Erase a customer and everything they own, for good (admin, password-confirmed)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Everything stored about one customer, as one JSON document (subject access)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head')
            [CompletionResult]::new('runs', 'runs', [CompletionResultType]::ParameterValue, 'The last runs of changing commands, newest first (cron''s last night)')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'Manage operators and their roles (admin; `passwd` for oneself)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective settings and where each came from')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Show the version and what this binary was built from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;init' {
            [CompletionResult]::new('--admin', '--admin', [CompletionResultType]::ParameterName, 'Username of the first admin [default: the OS login name, and then bound to that login]')
            [CompletionResult]::new('--sample-data', '--sample-data', [CompletionResultType]::ParameterName, 'Load N realistic sample customers')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the admin password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;db' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply the migrations this custadm has and the database lacks')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the applied and pending migrations')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;db;migrate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;db;status' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;db;help' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply the migrations this custadm has and the database lacks')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the applied and pending migrations')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;db;help;migrate' {
            break
        }
        'custadm;db;help;status' {
            break
        }
        'custadm;db;help;help' {
            break
        }
        'custadm;list' {
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan')
            [CompletionResult]::new('--last-login-before', '--last-login-before', [CompletionResultType]::ParameterName, 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--created-before', '--created-before', [CompletionResultType]::ParameterName, 'Created before WHEN')
            [CompletionResult]::new('--created-after', '--created-after', [CompletionResultType]::ParameterName, 'Created after WHEN')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N customers')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table, json, jsonl (one object a line), csv, or ids (one a line, for --ids-from -)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table, json, jsonl (one object a line), csv, or ids (one a line, for --ids-from -)')
            [CompletionResult]::new('--after', '--after', [CompletionResultType]::ParameterName, 'Only ids greater than ID (paging: pass the last id of the previous page; ids other programs made zero or negative page like any other)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--has-unpaid', '--has-unpaid', [CompletionResultType]::ParameterName, 'Only customers with unpaid invoices')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;view' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;edit' {
            [CompletionResult]::new('--name', '--name', [CompletionResultType]::ParameterName, 'New full name (1-150 characters)')
            [CompletionResult]::new('--email', '--email', [CompletionResultType]::ParameterName, 'New email (stored lower-case, unique)')
            [CompletionResult]::new('--phone', '--phone', [CompletionResultType]::ParameterName, 'New phone: international (+44 20 7946 0958) or, with default_region set, national form; stored E.164')
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Changes for many customers from FILE (`-`: standard input): CSV with a header naming id or email and any of full_name, new_email, phone (an empty cell leaves the field), or JSON lines {"id"|"email", "full_name"?, "new_email"?, "phone"? (null clears)}')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Format of --from: csv or jsonl [default: from the file''s extension]')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'With --from: rows per transaction')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'With --from: refuse the run (exit 5, nothing changed) when it would change more than N customers (or P% of the customers not soft-deleted) [default: the profile''s max_changes]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--clear-phone', '--clear-phone', [CompletionResultType]::ParameterName, 'Remove the phone number')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without asking (required for --from when there is no terminal to ask on)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without asking (required for --from when there is no terminal to ask on)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change (`would_change`; with --from every row''s outcome) and write nothing')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;toggle' {
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Ids per transaction')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan')
            [CompletionResult]::new('--last-login-before', '--last-login-before', [CompletionResultType]::ParameterName, 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--created-before', '--created-before', [CompletionResultType]::ParameterName, 'Created before WHEN')
            [CompletionResult]::new('--created-after', '--created-after', [CompletionResultType]::ParameterName, 'Created after WHEN')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--activate', '--activate', [CompletionResultType]::ParameterName, 'Make the customers active')
            [CompletionResult]::new('--deactivate', '--deactivate', [CompletionResultType]::ParameterName, 'Make the customers inactive')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change (`would_change`) and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--has-unpaid', '--has-unpaid', [CompletionResultType]::ParameterName, 'Only customers with unpaid invoices')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;reset-password' {
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Ids per transaction')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan')
            [CompletionResult]::new('--last-login-before', '--last-login-before', [CompletionResultType]::ParameterName, 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--created-before', '--created-before', [CompletionResultType]::ParameterName, 'Created before WHEN')
            [CompletionResult]::new('--created-after', '--created-after', [CompletionResultType]::ParameterName, 'Created after WHEN')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--send-email', '--send-email', [CompletionResultType]::ParameterName, 'Mail each customer their temporary password instead of showing it (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM, CUSTADM_SMTP_PASSWORD_FILE)')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change (`would_change`) and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--has-unpaid', '--has-unpaid', [CompletionResultType]::ParameterName, 'Only customers with unpaid invoices')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;delete' {
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Ids per transaction')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan')
            [CompletionResult]::new('--last-login-before', '--last-login-before', [CompletionResultType]::ParameterName, 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--created-before', '--created-before', [CompletionResultType]::ParameterName, 'Created before WHEN')
            [CompletionResult]::new('--created-after', '--created-after', [CompletionResultType]::ParameterName, 'Created after WHEN')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change (`would_change`) and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--has-unpaid', '--has-unpaid', [CompletionResultType]::ParameterName, 'Only customers with unpaid invoices')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;restore' {
            [CompletionResult]::new('--ids-from', '--ids-from', [CompletionResultType]::ParameterName, 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped')
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Ids per transaction')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile''s max_changes]')
            [CompletionResult]::new('--status', '--status', [CompletionResultType]::ParameterName, 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]')
            [CompletionResult]::new('--search', '--search', [CompletionResultType]::ParameterName, 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone''s digits. 3+ characters: from an index; 1-2: a scan')
            [CompletionResult]::new('--last-login-before', '--last-login-before', [CompletionResultType]::ParameterName, 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--created-before', '--created-before', [CompletionResultType]::ParameterName, 'Created before WHEN')
            [CompletionResult]::new('--created-after', '--created-after', [CompletionResultType]::ParameterName, 'Created after WHEN')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would change (`would_change`) and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--has-unpaid', '--has-unpaid', [CompletionResultType]::ParameterName, 'Only customers with unpaid invoices')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;undo' {
            [CompletionResult]::new('--batch-size', '--batch-size', [CompletionResultType]::ParameterName, 'Customers per transaction')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Report what would be changed back (`would_change`) and write nothing')
            [CompletionResult]::new('-y', '-y', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('--yes', '--yes', [CompletionResultType]::ParameterName, 'Go ahead without asking (required when there is no terminal to ask on)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;purge' {
            [CompletionResult]::new('--deleted-before', '--deleted-before', [CompletionResultType]::ParameterName, 'Purge the customers soft-deleted before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--max-changes', '--max-changes', [CompletionResultType]::ParameterName, 'Refuse (exit 5, nothing erased) when more customers than N (or P% of the customers not soft-deleted) would be purged [default: the profile''s max_changes]')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;export' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;audit' {
            [CompletionResult]::new('--customer', '--customer', [CompletionResultType]::ParameterName, 'Only rows about this customer (id, or the email of an existing customer)')
            [CompletionResult]::new('--run', '--run', [CompletionResultType]::ParameterName, 'Only rows written by this run (the `run` of a changing command''s result)')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Only rows by this operator (after `audit`, `--operator` filters; before it, as in `custadm --operator ann audit`, it names who runs the command)')
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only this action (view, edit, activate, deactivate, reset_password, delete, restore, purge, operator_add, …)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only rows since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Only rows older than row ID (the next page: stderr names ID when --limit cuts the list)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N rows')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain of every audit row (exit 8 naming the first bad row)')
            [CompletionResult]::new('digest', 'digest', [CompletionResultType]::ParameterValue, 'Print the chain''s head (id, chain_hash, occurred_at) as one line of JSON')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make an Ed25519 signing key for audit anchors and digests')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;audit;verify' {
            [CompletionResult]::new('--digest', '--digest', [CompletionResultType]::ParameterName, 'The output of `audit digest` as JSON text, or @FILE with one digest a line (anchor lines and syslog extracts of them work too)')
            [CompletionResult]::new('--anchors', '--anchors', [CompletionResultType]::ParameterName, 'Also check every anchor in FILE (default: the profile''s `file:` anchor sink): each must lie on the chain, after the one before it, validly signed when audit_public_key is set')
            [CompletionResult]::new('--archive', '--archive', [CompletionResultType]::ParameterName, 'An archive made by `audit archive`, walked before the table: the table''s rows must continue from its last row. Repeat for several, oldest first')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Check only the rows after this digest''s row (which must still match): JSON text or @FILE (its last digest); the nightly check then costs what the night wrote')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--archive-only', '--archive-only', [CompletionResultType]::ParameterName, 'Check the --archive files on their own: no database is opened')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;audit;digest' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;audit;archive' {
            [CompletionResult]::new('--before', '--before', [CompletionResultType]::ParameterName, 'Archive the rows older than WHEN: a date (2026-01-31) or an age (365d, 12h, 2w)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'The archive file to write (never overwritten)')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;audit;keygen' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;audit;help' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain of every audit row (exit 8 naming the first bad row)')
            [CompletionResult]::new('digest', 'digest', [CompletionResultType]::ParameterValue, 'Print the chain''s head (id, chain_hash, occurred_at) as one line of JSON')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make an Ed25519 signing key for audit anchors and digests')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;audit;help;verify' {
            break
        }
        'custadm;audit;help;digest' {
            break
        }
        'custadm;audit;help;archive' {
            break
        }
        'custadm;audit;help;keygen' {
            break
        }
        'custadm;audit;help;help' {
            break
        }
        'custadm;runs' {
            [CompletionResult]::new('--action', '--action', [CompletionResultType]::ParameterName, 'Only runs of this action (deactivate, activate, delete, restore, edit, reset_password, purge, undo)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Only runs started since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'At most N runs')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register an operator: your own password first, then theirs (asked twice)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List operators with role, state, lock and OS login binding')
            [CompletionResult]::new('set-role', 'set-role', [CompletionResultType]::ParameterValue, 'Change an operator''s role (asks your own password)')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set a password: your own (asks your current one first) or, as admin, another operator''s')
            [CompletionResult]::new('deactivate', 'deactivate', [CompletionResultType]::ParameterValue, 'Deactivate an operator: they can no longer run custadm (asks your own password)')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Reactivate an operator (asks your own password)')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Clear another operator''s wrong-password lock (asks your own password)')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Bind an operator to an OS login: only that login can act as them (asks your own password)')
            [CompletionResult]::new('unbind', 'unbind', [CompletionResultType]::ParameterValue, 'Remove an operator''s OS login binding (asks your own password)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;operator;add' {
            [CompletionResult]::new('--role', '--role', [CompletionResultType]::ParameterName, 'admin or support')
            [CompletionResult]::new('--os-user', '--os-user', [CompletionResultType]::ParameterName, 'Bind the operator to this OS login: only that login can act as them')
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password, then the new operator''s, from two lines of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;list' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;set-role' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;passwd' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the passwords from standard input (yours, then the new one)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;deactivate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;activate' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;unlock' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;bind' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;unbind' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read your password from one line of standard input')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;operator;help' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register an operator: your own password first, then theirs (asked twice)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List operators with role, state, lock and OS login binding')
            [CompletionResult]::new('set-role', 'set-role', [CompletionResultType]::ParameterValue, 'Change an operator''s role (asks your own password)')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set a password: your own (asks your current one first) or, as admin, another operator''s')
            [CompletionResult]::new('deactivate', 'deactivate', [CompletionResultType]::ParameterValue, 'Deactivate an operator: they can no longer run custadm (asks your own password)')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Reactivate an operator (asks your own password)')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Clear another operator''s wrong-password lock (asks your own password)')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Bind an operator to an OS login: only that login can act as them (asks your own password)')
            [CompletionResult]::new('unbind', 'unbind', [CompletionResultType]::ParameterValue, 'Remove an operator''s OS login binding (asks your own password)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;operator;help;add' {
            break
        }
        'custadm;operator;help;list' {
            break
        }
        'custadm;operator;help;set-role' {
            break
        }
        'custadm;operator;help;passwd' {
            break
        }
        'custadm;operator;help;deactivate' {
            break
        }
        'custadm;operator;help;activate' {
            break
        }
        'custadm;operator;help;unlock' {
            break
        }
        'custadm;operator;help;bind' {
            break
        }
        'custadm;operator;help;unbind' {
            break
        }
        'custadm;operator;help;help' {
            break
        }
        'custadm;config' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective settings and their sources (passwords masked)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'Print the profile names of the config file, one a line (for completion)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;config;show' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;config;profiles' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective settings and their sources (passwords masked)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'Print the profile names of the config file, one a line (for completion)')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;config;help;show' {
            break
        }
        'custadm;config;help;profiles' {
            break
        }
        'custadm;config;help;help' {
            break
        }
        'custadm;completions' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;version' {
            [CompletionResult]::new('--database-url', '--database-url', [CompletionResultType]::ParameterName, 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile of the config file to use [default: $CUSTADM_PROFILE]')
            [CompletionResult]::new('--operator', '--operator', [CompletionResultType]::ParameterName, 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused')
            [CompletionResult]::new('-o', '-o', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--output', '--output', [CompletionResultType]::ParameterName, 'Output format: table or json (`list` also takes jsonl, csv and ids)')
            [CompletionResult]::new('--reason', '--reason', [CompletionResultType]::ParameterName, 'Why (a ticket number or a sentence), stored on every audit row this command writes')
            [CompletionResult]::new('--metrics-file', '--metrics-file', [CompletionResultType]::ParameterName, 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter''s textfile collector) with the run''s end, exit code and outcomes [default: the profile''s metrics_file]')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Print only data and errors, no notes')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'custadm;help' {
            [CompletionResult]::new('init', 'init', [CompletionResultType]::ParameterValue, 'Create the database and schema, register the first admin, optionally load sample data')
            [CompletionResult]::new('db', 'db', [CompletionResultType]::ParameterValue, 'Schema migrations: apply pending ones, show their status')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List customers, filtered, ordered by id (streams)')
            [CompletionResult]::new('view', 'view', [CompletionResultType]::ParameterValue, 'Show one customer: details, latest KYC record, unpaid invoices')
            [CompletionResult]::new('edit', 'edit', [CompletionResultType]::ParameterValue, 'Change a customer''s name, email or phone')
            [CompletionResult]::new('toggle', 'toggle', [CompletionResultType]::ParameterValue, 'Activate or deactivate customers')
            [CompletionResult]::new('reset-password', 'reset-password', [CompletionResultType]::ParameterValue, 'Give customers a new random temporary password')
            [CompletionResult]::new('delete', 'delete', [CompletionResultType]::ParameterValue, 'Soft-delete customers (refused while they have unpaid invoices)')
            [CompletionResult]::new('restore', 'restore', [CompletionResultType]::ParameterValue, 'Undo a soft delete')
            [CompletionResult]::new('undo', 'undo', [CompletionResultType]::ParameterValue, 'Reverse an earlier toggle, delete, restore or edit run')
            [CompletionResult]::new('purge', 'purge', [CompletionResultType]::ParameterValue, 'Erase a customer and everything they own, for good (admin, password-confirmed)')
            [CompletionResult]::new('export', 'export', [CompletionResultType]::ParameterValue, 'Everything stored about one customer, as one JSON document (subject access)')
            [CompletionResult]::new('audit', 'audit', [CompletionResultType]::ParameterValue, 'Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head')
            [CompletionResult]::new('runs', 'runs', [CompletionResultType]::ParameterValue, 'The last runs of changing commands, newest first (cron''s last night)')
            [CompletionResult]::new('operator', 'operator', [CompletionResultType]::ParameterValue, 'Manage operators and their roles (admin; `passwd` for oneself)')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show the effective settings and where each came from')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('version', 'version', [CompletionResultType]::ParameterValue, 'Show the version and what this binary was built from')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'custadm;help;init' {
            break
        }
        'custadm;help;db' {
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Apply the migrations this custadm has and the database lacks')
            [CompletionResult]::new('status', 'status', [CompletionResultType]::ParameterValue, 'Show the applied and pending migrations')
            break
        }
        'custadm;help;db;migrate' {
            break
        }
        'custadm;help;db;status' {
            break
        }
        'custadm;help;list' {
            break
        }
        'custadm;help;view' {
            break
        }
        'custadm;help;edit' {
            break
        }
        'custadm;help;toggle' {
            break
        }
        'custadm;help;reset-password' {
            break
        }
        'custadm;help;delete' {
            break
        }
        'custadm;help;restore' {
            break
        }
        'custadm;help;undo' {
            break
        }
        'custadm;help;purge' {
            break
        }
        'custadm;help;export' {
            break
        }
        'custadm;help;audit' {
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Check the hash chain of every audit row (exit 8 naming the first bad row)')
            [CompletionResult]::new('digest', 'digest', [CompletionResultType]::ParameterValue, 'Print the chain''s head (id, chain_hash, occurred_at) as one line of JSON')
            [CompletionResult]::new('archive', 'archive', [CompletionResultType]::ParameterValue, 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)')
            [CompletionResult]::new('keygen', 'keygen', [CompletionResultType]::ParameterValue, 'Make an Ed25519 signing key for audit anchors and digests')
            break
        }
        'custadm;help;audit;verify' {
            break
        }
        'custadm;help;audit;digest' {
            break
        }
        'custadm;help;audit;archive' {
            break
        }
        'custadm;help;audit;keygen' {
            break
        }
        'custadm;help;runs' {
            break
        }
        'custadm;help;operator' {
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Register an operator: your own password first, then theirs (asked twice)')
            [CompletionResult]::new('list', 'list', [CompletionResultType]::ParameterValue, 'List operators with role, state, lock and OS login binding')
            [CompletionResult]::new('set-role', 'set-role', [CompletionResultType]::ParameterValue, 'Change an operator''s role (asks your own password)')
            [CompletionResult]::new('passwd', 'passwd', [CompletionResultType]::ParameterValue, 'Set a password: your own (asks your current one first) or, as admin, another operator''s')
            [CompletionResult]::new('deactivate', 'deactivate', [CompletionResultType]::ParameterValue, 'Deactivate an operator: they can no longer run custadm (asks your own password)')
            [CompletionResult]::new('activate', 'activate', [CompletionResultType]::ParameterValue, 'Reactivate an operator (asks your own password)')
            [CompletionResult]::new('unlock', 'unlock', [CompletionResultType]::ParameterValue, 'Clear another operator''s wrong-password lock (asks your own password)')
            [CompletionResult]::new('bind', 'bind', [CompletionResultType]::ParameterValue, 'Bind an operator to an OS login: only that login can act as them (asks your own password)')
            [CompletionResult]::new('unbind', 'unbind', [CompletionResultType]::ParameterValue, 'Remove an operator''s OS login binding (asks your own password)')
            break
        }
        'custadm;help;operator;add' {
            break
        }
        'custadm;help;operator;list' {
            break
        }
        'custadm;help;operator;set-role' {
            break
        }
        'custadm;help;operator;passwd' {
            break
        }
        'custadm;help;operator;deactivate' {
            break
        }
        'custadm;help;operator;activate' {
            break
        }
        'custadm;help;operator;unlock' {
            break
        }
        'custadm;help;operator;bind' {
            break
        }
        'custadm;help;operator;unbind' {
            break
        }
        'custadm;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective settings and their sources (passwords masked)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'Print the profile names of the config file, one a line (for completion)')
            break
        }
        'custadm;help;config;show' {
            break
        }
        'custadm;help;config;profiles' {
            break
        }
        'custadm;help;completions' {
            break
        }
        'custadm;help;version' {
            break
        }
        'custadm;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
