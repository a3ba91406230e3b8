-- A view: the filter of a table that is already built costs less than a copy of it. The rows
-- that keep the rules of their own (int_trades_validated), of a kept customer on or after its
-- open date (int_customer_verdicts), up to the export's last day, whose trade_id has no other
-- version (int_trade_key_conflicts): the verdicts that depend on other tables are taken here,
-- where the rows are read, and quarantined_rows gives the others their reason.
{{ config(materialized='view') }}

with

validated as (

    select * from {{ ref('int_trades_validated') }}

),

kept_customers as (

    select * from {{ ref('int_customer_verdicts') }}
    where is_kept

),

key_conflicts as (

    select * from {{ ref('int_trade_key_conflicts') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

kept as (

    select
        validated.*,
        kept_customers.open_date as customer_open_date
    from validated
    inner join kept_customers
        on
            validated.customer_id = kept_customers.customer_id
            and validated.trade_date >= kept_customers.open_date
    cross join export_last_day
    where
        validated.quarantine_reason is null
        and validated.trade_date <= export_last_day.last_balance_date
        and validated.trade_id not in (select key_conflicts.trade_id from key_conflicts)

),

final as (

    select
        {{ star_except([
            'quarantine_reason',
            'invalid_value',
            'row_copies',
            'key_versions',
            'source_file',
            'source_file_id',
            'source_row_number',
            'loaded_by_invocation_id',
            'customer_open_date'
        ]) }}
    from kept

)

select * from final
