# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_custadm_global_optspecs
    string join \n database-url= profile= operator= o/output= q/quiet reason= metrics-file= h/help V/version
end

function __fish_custadm_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_custadm_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_custadm_using_subcommand
    set -l cmd (__fish_custadm_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c custadm -n "__fish_custadm_needs_command" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_needs_command" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_needs_command" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_needs_command" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_needs_command" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_needs_command" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_needs_command" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_needs_command" -s V -l version -d 'Print version'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "init" -d 'Create the database and schema, register the first admin, optionally load sample data'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "db" -d 'Schema migrations: apply pending ones, show their status'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "list" -d 'List customers, filtered, ordered by id (streams)'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "view" -d 'Show one customer: details, latest KYC record, unpaid invoices'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "edit" -d 'Change a customer\'s name, email or phone'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "toggle" -d 'Activate or deactivate customers'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "reset-password" -d 'Give customers a new random temporary password'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "delete" -d 'Soft-delete customers (refused while they have unpaid invoices)'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "restore" -d 'Undo a soft delete'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "undo" -d 'Reverse an earlier toggle, delete, restore or edit run'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "purge" -d 'Erase a customer and everything they own, for good (admin, password-confirmed)'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "export" -d 'Everything stored about one customer, as one JSON document (subject access)'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "audit" -d 'Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "runs" -d 'The last runs of changing commands, newest first (cron\'s last night)'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "operator" -d 'Manage operators and their roles (admin; `passwd` for oneself)'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "config" -d 'Show the effective settings and where each came from'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "version" -d 'Show the version and what this binary was built from'
complete -c custadm -n "__fish_custadm_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand init" -l admin -d 'Username of the first admin [default: the OS login name, and then bound to that login]' -r
complete -c custadm -n "__fish_custadm_using_subcommand init" -l sample-data -d 'Load N realistic sample customers' -r
complete -c custadm -n "__fish_custadm_using_subcommand init" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand init" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand init" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand init" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand init" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand init" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand init" -l password-stdin -d 'Read the admin password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand init" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand init" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -f -a "migrate" -d 'Apply the migrations this custadm has and the database lacks'
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -f -a "status" -d 'Show the applied and pending migrations'
complete -c custadm -n "__fish_custadm_using_subcommand db; and not __fish_seen_subcommand_from migrate status help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from status" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "migrate" -d 'Apply the migrations this custadm has and the database lacks'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "status" -d 'Show the applied and pending migrations'
complete -c custadm -n "__fish_custadm_using_subcommand db; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand list" -l status -d 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]' -r -f -a "active\t'Not soft-deleted, active (`enabled` is accepted for it)'
inactive\t'Not soft-deleted, inactive (`disabled` is accepted for it)'
deleted\t''
all\t''"
complete -c custadm -n "__fish_custadm_using_subcommand list" -l search -d 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone\'s digits. 3+ characters: from an index; 1-2: a scan' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l last-login-before -d 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l created-before -d 'Created before WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l created-after -d 'Created after WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l limit -d 'At most N customers' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -s o -l output -d 'Output format: table, json, jsonl (one object a line), csv, or ids (one a line, for --ids-from -)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'
jsonl\t'One JSON object per line (list only)'
csv\t'CSV with a header (list only)'
ids\t'One id per line (list only), for `--ids-from -`'"
complete -c custadm -n "__fish_custadm_using_subcommand list" -l after -d 'Only ids greater than ID (paging: pass the last id of the previous page; ids other programs made zero or negative page like any other)' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand list" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand list" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand list" -l has-unpaid -d 'Only customers with unpaid invoices'
complete -c custadm -n "__fish_custadm_using_subcommand list" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand view" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand view" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand view" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand view" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand view" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand view" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand view" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand view" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l name -d 'New full name (1-150 characters)' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l email -d 'New email (stored lower-case, unique)' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l phone -d 'New phone: international (+44 20 7946 0958) or, with default_region set, national form; stored E.164' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l from -d 'Changes for many customers from FILE (`-`: standard input): CSV with a header naming id or email and any of full_name, new_email, phone (an empty cell leaves the field), or JSON lines {"id"|"email", "full_name"?, "new_email"?, "phone"? (null clears)}' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l format -d 'Format of --from: csv or jsonl [default: from the file\'s extension]' -r -f -a "csv\t'CSV with a header: `id` or `email`, and any of `full_name`, `new_email`, `phone`'
jsonl\t'JSON lines: `{"id"|"email": …, "full_name"?, "new_email"?, "phone"? (null clears)}`'"
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l batch-size -d 'With --from: rows per transaction' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l max-changes -d 'With --from: refuse the run (exit 5, nothing changed) when it would change more than N customers (or P% of the customers not soft-deleted) [default: the profile\'s max_changes]' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l clear-phone -d 'Remove the phone number'
complete -c custadm -n "__fish_custadm_using_subcommand edit" -s y -l yes -d 'Go ahead without asking (required for --from when there is no terminal to ask on)'
complete -c custadm -n "__fish_custadm_using_subcommand edit" -l dry-run -d 'Report what would change (`would_change`; with --from every row\'s outcome) and write nothing'
complete -c custadm -n "__fish_custadm_using_subcommand edit" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand edit" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l ids-from -d 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l batch-size -d 'Ids per transaction' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l max-changes -d 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile\'s max_changes]' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l status -d 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]' -r -f -a "active\t'Not soft-deleted, active (`enabled` is accepted for it)'
inactive\t'Not soft-deleted, inactive (`disabled` is accepted for it)'
deleted\t''
all\t''"
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l search -d 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone\'s digits. 3+ characters: from an index; 1-2: a scan' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l last-login-before -d 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l created-before -d 'Created before WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l created-after -d 'Created after WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l activate -d 'Make the customers active'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l deactivate -d 'Make the customers inactive'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l dry-run -d 'Report what would change (`would_change`) and write nothing'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -s y -l yes -d 'Go ahead without asking (required when there is no terminal to ask on)'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -l has-unpaid -d 'Only customers with unpaid invoices'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand toggle" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l ids-from -d 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l batch-size -d 'Ids per transaction' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l max-changes -d 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile\'s max_changes]' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l status -d 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]' -r -f -a "active\t'Not soft-deleted, active (`enabled` is accepted for it)'
inactive\t'Not soft-deleted, inactive (`disabled` is accepted for it)'
deleted\t''
all\t''"
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l search -d 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone\'s digits. 3+ characters: from an index; 1-2: a scan' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l last-login-before -d 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l created-before -d 'Created before WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l created-after -d 'Created after WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l send-email -d 'Mail each customer their temporary password instead of showing it (CUSTADM_SMTP_URL, CUSTADM_MAIL_FROM, CUSTADM_SMTP_PASSWORD_FILE)'
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l dry-run -d 'Report what would change (`would_change`) and write nothing'
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -s y -l yes -d 'Go ahead without asking (required when there is no terminal to ask on)'
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -l has-unpaid -d 'Only customers with unpaid invoices'
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand reset-password" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l ids-from -d 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l batch-size -d 'Ids per transaction' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l max-changes -d 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile\'s max_changes]' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l status -d 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]' -r -f -a "active\t'Not soft-deleted, active (`enabled` is accepted for it)'
inactive\t'Not soft-deleted, inactive (`disabled` is accepted for it)'
deleted\t''
all\t''"
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l search -d 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone\'s digits. 3+ characters: from an index; 1-2: a scan' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l last-login-before -d 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l created-before -d 'Created before WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l created-after -d 'Created after WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l dry-run -d 'Report what would change (`would_change`) and write nothing'
complete -c custadm -n "__fish_custadm_using_subcommand delete" -s y -l yes -d 'Go ahead without asking (required when there is no terminal to ask on)'
complete -c custadm -n "__fish_custadm_using_subcommand delete" -l has-unpaid -d 'Only customers with unpaid invoices'
complete -c custadm -n "__fish_custadm_using_subcommand delete" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand delete" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l ids-from -d 'Read customers from FILE, `-` for standard input: one id or email a line, blank lines and `#` comments skipped' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l batch-size -d 'Ids per transaction' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l max-changes -d 'Refuse the run (exit 5, nothing changed) when it would change more than N customers, or more than P% of the customers not soft-deleted [default: the profile\'s max_changes]' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l status -d 'active, inactive, deleted or all [default: active and inactive; for restore: deleted]' -r -f -a "active\t'Not soft-deleted, active (`enabled` is accepted for it)'
inactive\t'Not soft-deleted, inactive (`disabled` is accepted for it)'
deleted\t''
all\t''"
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l search -d 'Name or email contains TEXT (1-500 characters), ignoring case and accents; a phone fragment (digits, spaces, + - ( ), 3+ digits) also matches the phone\'s digits. 3+ characters: from an index; 1-2: a scan' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l last-login-before -d 'Last login (or, never logged in, creation) before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l created-before -d 'Created before WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l created-after -d 'Created after WHEN' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l dry-run -d 'Report what would change (`would_change`) and write nothing'
complete -c custadm -n "__fish_custadm_using_subcommand restore" -s y -l yes -d 'Go ahead without asking (required when there is no terminal to ask on)'
complete -c custadm -n "__fish_custadm_using_subcommand restore" -l has-unpaid -d 'Only customers with unpaid invoices'
complete -c custadm -n "__fish_custadm_using_subcommand restore" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand restore" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l batch-size -d 'Customers per transaction' -r
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand undo" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand undo" -l dry-run -d 'Report what would be changed back (`would_change`) and write nothing'
complete -c custadm -n "__fish_custadm_using_subcommand undo" -s y -l yes -d 'Go ahead without asking (required when there is no terminal to ask on)'
complete -c custadm -n "__fish_custadm_using_subcommand undo" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand undo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l deleted-before -d 'Purge the customers soft-deleted before WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l max-changes -d 'Refuse (exit 5, nothing erased) when more customers than N (or P% of the customers not soft-deleted) would be purged [default: the profile\'s max_changes]' -r
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand purge" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand purge" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand purge" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand purge" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand export" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand export" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand export" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand export" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand export" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand export" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand export" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand export" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l customer -d 'Only rows about this customer (id, or the email of an existing customer)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l run -d 'Only rows written by this run (the `run` of a changing command\'s result)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l operator -d 'Only rows by this operator (after `audit`, `--operator` filters; before it, as in `custadm --operator ann audit`, it names who runs the command)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l action -d 'Only this action (view, edit, activate, deactivate, reset_password, delete, restore, purge, operator_add, …)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l since -d 'Only rows since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l before -d 'Only rows older than row ID (the next page: stderr names ID when --limit cuts the list)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l limit -d 'At most N rows' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -f -a "verify" -d 'Check the hash chain of every audit row (exit 8 naming the first bad row)'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -f -a "digest" -d 'Print the chain\'s head (id, chain_hash, occurred_at) as one line of JSON'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -f -a "archive" -d 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -f -a "keygen" -d 'Make an Ed25519 signing key for audit anchors and digests'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and not __fish_seen_subcommand_from verify digest archive keygen help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l digest -d 'The output of `audit digest` as JSON text, or @FILE with one digest a line (anchor lines and syslog extracts of them work too)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l anchors -d 'Also check every anchor in FILE (default: the profile\'s `file:` anchor sink): each must lie on the chain, after the one before it, validly signed when audit_public_key is set' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l archive -d 'An archive made by `audit archive`, walked before the table: the table\'s rows must continue from its last row. Repeat for several, oldest first' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l since -d 'Check only the rows after this digest\'s row (which must still match): JSON text or @FILE (its last digest); the nightly check then costs what the night wrote' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -l archive-only -d 'Check the --archive files on their own: no database is opened'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from digest" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l before -d 'Archive the rows older than WHEN: a date (2026-01-31) or an age (365d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l to -d 'The archive file to write (never overwritten)' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from archive" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from keygen" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "verify" -d 'Check the hash chain of every audit row (exit 8 naming the first bad row)'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "digest" -d 'Print the chain\'s head (id, chain_hash, occurred_at) as one line of JSON'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "archive" -d 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "keygen" -d 'Make an Ed25519 signing key for audit anchors and digests'
complete -c custadm -n "__fish_custadm_using_subcommand audit; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l action -d 'Only runs of this action (deactivate, activate, delete, restore, edit, reset_password, purge, undo)' -r
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l since -d 'Only runs started since WHEN: a date (2026-01-31) or an age (90d, 12h, 2w)' -r
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l limit -d 'At most N runs' -r
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand runs" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand runs" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand runs" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand runs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "add" -d 'Register an operator: your own password first, then theirs (asked twice)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "list" -d 'List operators with role, state, lock and OS login binding'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "set-role" -d 'Change an operator\'s role (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "passwd" -d 'Set a password: your own (asks your current one first) or, as admin, another operator\'s'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "deactivate" -d 'Deactivate an operator: they can no longer run custadm (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "activate" -d 'Reactivate an operator (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "unlock" -d 'Clear another operator\'s wrong-password lock (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "bind" -d 'Bind an operator to an OS login: only that login can act as them (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "unbind" -d 'Remove an operator\'s OS login binding (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and not __fish_seen_subcommand_from add list set-role passwd deactivate activate unlock bind unbind help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l role -d 'admin or support' -r -f -a "admin\t'Everything, including purge and operator management'
support\t'Everything on customers except purge'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l os-user -d 'Bind the operator to this OS login: only that login can act as them' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -l password-stdin -d 'Read your password, then the new operator\'s, from two lines of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from list" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from set-role" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -l password-stdin -d 'Read the passwords from standard input (yours, then the new one)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from passwd" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from deactivate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from activate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unlock" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from bind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -l password-stdin -d 'Read your password from one line of standard input'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from unbind" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "add" -d 'Register an operator: your own password first, then theirs (asked twice)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "list" -d 'List operators with role, state, lock and OS login binding'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "set-role" -d 'Change an operator\'s role (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "passwd" -d 'Set a password: your own (asks your current one first) or, as admin, another operator\'s'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "deactivate" -d 'Deactivate an operator: they can no longer run custadm (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "activate" -d 'Reactivate an operator (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "unlock" -d 'Clear another operator\'s wrong-password lock (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "bind" -d 'Bind an operator to an OS login: only that login can act as them (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "unbind" -d 'Remove an operator\'s OS login binding (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand operator; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -f -a "show" -d 'Print the effective settings and their sources (passwords masked)'
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -f -a "profiles" -d 'Print the profile names of the config file, one a line (for completion)'
complete -c custadm -n "__fish_custadm_using_subcommand config; and not __fish_seen_subcommand_from show profiles help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from profiles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective settings and their sources (passwords masked)'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "profiles" -d 'Print the profile names of the config file, one a line (for completion)'
complete -c custadm -n "__fish_custadm_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand completions" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand completions" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand completions" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand completions" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand completions" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand completions" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand completions" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand version" -l database-url -d 'Database: postgres://…, postgresql://…, sqlite://PATH, sqlite:PATH or a file path [default: $CUSTADM_DATABASE_URL, $DATABASE_URL, then $XDG_DATA_HOME/custadm/custadm.sqlite3]' -r
complete -c custadm -n "__fish_custadm_using_subcommand version" -l profile -d 'Profile of the config file to use [default: $CUSTADM_PROFILE]' -r -f -a "(custadm config profiles 2>/dev/null)"
complete -c custadm -n "__fish_custadm_using_subcommand version" -l operator -d 'Operator acting [default: $CUSTADM_OPERATOR, then the OS login name]; an operator bound to another OS login is refused' -r
complete -c custadm -n "__fish_custadm_using_subcommand version" -s o -l output -d 'Output format: table or json (`list` also takes jsonl, csv and ids)' -r -f -a "table\t'A table for people (plain aligned text when stdout is not a terminal)'
json\t'One JSON document'"
complete -c custadm -n "__fish_custadm_using_subcommand version" -l reason -d 'Why (a ticket number or a sentence), stored on every audit row this command writes' -r
complete -c custadm -n "__fish_custadm_using_subcommand version" -l metrics-file -d 'After a changing run, rewrite PATH (Prometheus text format, for node_exporter\'s textfile collector) with the run\'s end, exit code and outcomes [default: the profile\'s metrics_file]' -r -F
complete -c custadm -n "__fish_custadm_using_subcommand version" -s q -l quiet -d 'Print only data and errors, no notes'
complete -c custadm -n "__fish_custadm_using_subcommand version" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "init" -d 'Create the database and schema, register the first admin, optionally load sample data'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "db" -d 'Schema migrations: apply pending ones, show their status'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "list" -d 'List customers, filtered, ordered by id (streams)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "view" -d 'Show one customer: details, latest KYC record, unpaid invoices'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "edit" -d 'Change a customer\'s name, email or phone'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "toggle" -d 'Activate or deactivate customers'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "reset-password" -d 'Give customers a new random temporary password'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "delete" -d 'Soft-delete customers (refused while they have unpaid invoices)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "restore" -d 'Undo a soft delete'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "undo" -d 'Reverse an earlier toggle, delete, restore or edit run'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "purge" -d 'Erase a customer and everything they own, for good (admin, password-confirmed)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "export" -d 'Everything stored about one customer, as one JSON document (subject access)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "audit" -d 'Show the audit trail, newest first; `audit verify` checks it, `audit digest` prints its head'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "runs" -d 'The last runs of changing commands, newest first (cron\'s last night)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "operator" -d 'Manage operators and their roles (admin; `passwd` for oneself)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "config" -d 'Show the effective settings and where each came from'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "completions" -d 'Print a shell completion script'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "version" -d 'Show the version and what this binary was built from'
complete -c custadm -n "__fish_custadm_using_subcommand help; and not __fish_seen_subcommand_from init db list view edit toggle reset-password delete restore undo purge export audit runs operator config completions version help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "migrate" -d 'Apply the migrations this custadm has and the database lacks'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from db" -f -a "status" -d 'Show the applied and pending migrations'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "verify" -d 'Check the hash chain of every audit row (exit 8 naming the first bad row)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "digest" -d 'Print the chain\'s head (id, chain_hash, occurred_at) as one line of JSON'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "archive" -d 'Move the audit rows older than WHEN into an archive file (admin, password-confirmed)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from audit" -f -a "keygen" -d 'Make an Ed25519 signing key for audit anchors and digests'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "add" -d 'Register an operator: your own password first, then theirs (asked twice)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "list" -d 'List operators with role, state, lock and OS login binding'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "set-role" -d 'Change an operator\'s role (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "passwd" -d 'Set a password: your own (asks your current one first) or, as admin, another operator\'s'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "deactivate" -d 'Deactivate an operator: they can no longer run custadm (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "activate" -d 'Reactivate an operator (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "unlock" -d 'Clear another operator\'s wrong-password lock (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "bind" -d 'Bind an operator to an OS login: only that login can act as them (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from operator" -f -a "unbind" -d 'Remove an operator\'s OS login binding (asks your own password)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective settings and their sources (passwords masked)'
complete -c custadm -n "__fish_custadm_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "profiles" -d 'Print the profile names of the config file, one a line (for completion)'
