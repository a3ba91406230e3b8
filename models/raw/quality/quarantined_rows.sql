{% set balance_columns = raw_contract_columns('daily_balances') %}
{% set trade_columns = raw_contract_columns('trades') %}
{#- named, not *: Spark puts the validated table's partition column (trade_date) last -#}
{% set trade_read_columns = trade_columns.key + trade_columns['values'] + [
    'invalid_value', 'row_copies', 'source_row_number', 'source_file_id', 'source_file',
    'quarantine_reason'
] %}
{#- named, not *: Spark puts the validated table's partition column (balance_date) last -#}
{% set balance_read_columns = balance_columns.key + balance_columns['values'] + [
    'invalid_value', 'row_copies', 'source_row_number', 'source_file_id', 'source_file',
    'quarantine_reason'
] %}

with

customers as (

    select * from {{ ref('int_customers_validated') }}

),

trade_key_conflicts as (

    select * from {{ ref('int_trade_key_conflicts') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

raw_trades as (

    select * from {{ ref('stg_broker__trades') }}

),

fund_transfers as (

    select * from {{ ref('int_fund_transfers_validated') }}

),

customer_verdicts as (

    select * from {{ ref('int_customer_verdicts') }}

),

-- per table, the few customers of its rows that a customer verdict takes out
excluded_customers as (

    select * from {{ ref('int_customers_excluded_at_read') }}

),

off_calendar_days as (

    select balance_date from {{ ref('int_balance_days') }}
    where not is_trading_day

),

raw_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

-- The balance rows quarantined where they are read, in three branches that each read the
-- validated rows with their own filter (one import CTE read three times is materialized by
-- DuckDB: a copy of every balance row). 1: a rule the row decides, or for one the contract
-- checks after the customer rules (negative_balance), the customer's (reason_at_read).
balances_own_reason as (

    select
        {% for column in balance_read_columns -%}
            rows_read.{{ column }},
        {% endfor -%}
        {{ reason_at_read(
            'rows_read.quarantine_reason', 'customer_verdicts', ['negative_balance']
        ) }} as reason_at_read
    from (
        select {{ balance_read_columns | join(', ') }}
        from {{ ref('int_daily_balances_validated') }}
        where quarantine_reason is not null
        union all
        select {{ balance_read_columns | join(', ') }}
        from {{ ref('int_daily_balances_undated') }}
    ) as rows_read
    left join customer_verdicts
        on rows_read.customer_id = customer_verdicts.customer_id

),

-- 2: rows that keep their own rules, of a customer the latest customers' export does not keep
balances_customer_reason as (

    select
        {% for column in balance_read_columns -%}
            rows_read.{{ column }},
        {% endfor -%}
        case
            when customer_verdicts.customer_id is null then 'unknown_customer'
            else 'customer_quarantined'
        end as reason_at_read
    from {{ ref('int_daily_balances_validated') }} as rows_read
    left join customer_verdicts
        on rows_read.customer_id = customer_verdicts.customer_id
    where
        rows_read.quarantine_reason is null
        and rows_read.customer_id in (
            select excluded_customers.customer_id from excluded_customers
            where excluded_customers.table_name = 'daily_balances'
        )

),

-- 3: rows of a kept customer on a day that is no trading day (int_balance_days)
balances_day_reason as (

    select
        {% for column in balance_read_columns -%}
            {{ column }},
        {% endfor -%}
        'non_trading_day' as reason_at_read
    from {{ ref('int_daily_balances_validated') }}
    where
        quarantine_reason is null
        and balance_date in (select off_calendar_days.balance_date from off_calendar_days)
        and customer_id not in (
            select excluded_customers.customer_id from excluded_customers
            where excluded_customers.table_name = 'daily_balances'
        )

),

daily_balances_quarantined as (

    select * from balances_own_reason
    where reason_at_read is not null
    union all
    select * from balances_customer_reason
    union all
    select * from balances_day_reason

),

-- the reason read, and the file named where the row carries only its hash
daily_balances as (

    {{ quarantined_at_read(
        'daily_balances_quarantined', 'raw_balances', 'daily_balances', 'balance_date'
    ) }}

),

-- The trades rows judged where they are read (macros/raw_data/row_rules.sql), in one pass,
-- with its trade_id's versions, its customer and the export's last day: every row that a
-- verdict can quarantine (a reason of its own, a trade_id with versions, a customer taken
-- out, a day after the export's last), found with probes of small tables, and the undated.
trades_judged as (

    select
        {% for column in trade_read_columns -%}
            rows_read.{{ column }},
        {% endfor -%}
        {{ trade_reason_at_read(
            'rows_read', 'trade_key_conflicts', 'customer_verdicts', 'export_last_day'
        ) }} as reason_at_read
    from (
        select {{ trade_read_columns | join(', ') }}
        from {{ ref('int_trades_validated') }}
        where
            quarantine_reason is not null
            or trade_id in (select trade_key_conflicts.trade_id from trade_key_conflicts)
            or customer_id in (
                select excluded_customers.customer_id from excluded_customers
                where excluded_customers.table_name = 'trades'
            )
            or trade_date > (select export_last_day.last_balance_date from export_last_day)
        union all
        select {{ trade_read_columns | join(', ') }}
        from {{ ref('int_trades_unbatched') }}
    ) as rows_read
    left join trade_key_conflicts
        on rows_read.trade_id = trade_key_conflicts.trade_id
    left join customer_verdicts
        on rows_read.customer_id = customer_verdicts.customer_id
    cross join export_last_day

),

-- read twice below: DuckDB materializes it, so it holds the quarantined rows only
trades_quarantined as (

    select * from trades_judged
    where reason_at_read is not null

),

trades as (

    {{ quarantined_at_read('trades_quarantined', 'raw_trades', 'trades', 'trade_date') }}

),

unioned as (

    {{ quarantine_records('customers', 'customers') }}
    union all
    {{ quarantine_records('trades', 'trades') }}
    union all
    {{ quarantine_records('daily_balances', 'daily_balances') }}
    union all
    {{ quarantine_records('fund_transfers', 'fund_transfers') }}

)

select * from unioned
