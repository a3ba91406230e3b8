{% set balance_columns = raw_contract_columns('daily_balances') %}
{#- named, not *: Spark puts the validated table's partition column (balance_date) last -#}
{% set balance_read_columns = balance_columns.key + balance_columns['values'] + [
    'invalid_value', 'row_copies', 'source_row_number', 'source_file_id', 'source_file',
    'quarantine_reason'
] %}

with

customers as (

    select * from {{ ref('int_customers_validated') }}

),

trades as (

    select * from {{ ref('int_trades_validated') }}

),

daily_balances_validated as (

    select * from {{ ref('int_daily_balances_validated') }}

),

daily_balances_undated as (

    select * from {{ ref('int_daily_balances_undated') }}

),

fund_transfers as (

    select * from {{ ref('int_fund_transfers_validated') }}

),

customer_verdicts as (

    select * from {{ ref('int_customer_verdicts') }}

),

trading_days as (

    select balance_date from {{ ref('int_balance_days') }}
    where is_trading_day

),

raw_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

daily_balances_read as (

    select {{ balance_read_columns | join(', ') }} from daily_balances_validated
    union all
    select {{ balance_read_columns | join(', ') }} from daily_balances_undated

),

-- Each balance row's reason where it is read: its own (the rules it decides), else its
-- customer's (unknown or quarantined in the latest customers' export), else its day's (a kept
-- row on a day that is no trading day: non_trading_day).
daily_balances_judged as (

    select
        rows_read.*,
        coalesce(
            {{ reason_at_read(
                'rows_read.quarantine_reason', 'customer_verdicts', ['negative_balance']
            ) }},
            case
                when
                    rows_read.balance_date
                    not in (select trading_days.balance_date from trading_days)
                    then 'non_trading_day'
            end
        ) as reason_at_read
    from daily_balances_read as rows_read
    left join customer_verdicts
        on rows_read.customer_id = customer_verdicts.customer_id

),

daily_balances_quarantined as (

    select * from daily_balances_judged
    where reason_at_read is not null

),

-- the files of the quarantined rows that carry only the file's hash (rows judged at read
-- time); the date filter reads only those days' rows
unnamed_files as (

    select distinct
        source_file_id,
        source_file
    from raw_balances
    where
        balance_date in (
            select daily_balances_quarantined.balance_date
            from daily_balances_quarantined
            where daily_balances_quarantined.source_file is null
        )

),

daily_balances as (

    select
        {% for column in balance_columns.key + balance_columns['values'] -%}
            quarantined.{{ column }},
        {% endfor -%}
        quarantined.reason_at_read as quarantine_reason,
        quarantined.row_copies,
        coalesce(quarantined.source_file, unnamed_files.source_file) as source_file,
        quarantined.source_row_number,
        quarantined.invalid_value
    from daily_balances_quarantined as quarantined
    left join unnamed_files
        on
            quarantined.source_file is null
            and quarantined.source_file_id = unnamed_files.source_file_id

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
