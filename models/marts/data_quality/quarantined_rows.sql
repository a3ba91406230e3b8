{% set balance_columns = raw_contract_columns('daily_balances') %}

with

customers as (

    select * from {{ ref('int_customers_validated') }}

),

trades as (

    select * from {{ ref('int_trades_validated') }}

),

daily_balances as (

    select * from {{ ref('int_daily_balances_validated') }}

),

fund_transfers as (

    select * from {{ ref('int_fund_transfers_validated') }}

),

raw_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

),

off_calendar_days as (

    select balance_date from {{ ref('int_balance_days') }}
    where not is_trading_day

),

-- Kept balance rows on a day that is no trading day (int_balance_days): quarantined here, where
-- the calendar is known, as int_daily_balances_cleaned leaves them out.
off_calendar_rows as (

    select * from daily_balances
    where
        quarantine_reason is null
        and balance_date in (select off_calendar_days.balance_date from off_calendar_days)

),

-- their files' names (a kept row carries only the file's hash); the date filter reads only
-- those days' rows
off_calendar_files as (

    select distinct
        source_file_id,
        source_file
    from raw_balances
    where balance_date in (select off_calendar_days.balance_date from off_calendar_days)

),

off_calendar_balances as (

    select
        {% for column in balance_columns.key + balance_columns['values'] -%}
            off_calendar_rows.{{ column }},
        {% endfor -%}
        'non_trading_day' as quarantine_reason,
        off_calendar_rows.row_copies,
        off_calendar_files.source_file,
        off_calendar_rows.source_row_number,
        off_calendar_rows.invalid_value
    from off_calendar_rows
    left join off_calendar_files
        on off_calendar_rows.source_file_id = off_calendar_files.source_file_id

),

unioned as (

    {{ quarantine_records('customers', 'customers') }}
    union all
    {{ quarantine_records('trades', 'trades') }}
    union all
    {{ quarantine_records('daily_balances', 'daily_balances') }}
    union all
    {{ quarantine_records('off_calendar_balances', 'daily_balances') }}
    union all
    {{ quarantine_records('fund_transfers', 'fund_transfers') }}

)

select * from unioned
