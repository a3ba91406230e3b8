-- A view: the filter of a table that is already built costs less than a copy of it. The rows
-- that keep the rules of their own (int_trades_validated), of a kept customer from its open
-- date through its close date (int_customers_excluded_at_read holds the few others), up to
-- the export's last day, whose trade_id has no other version (int_trade_key_conflicts): the
-- verdicts that depend on other tables are taken here, where the rows are read, and
-- quarantined_rows gives the others their reason.
{{ config(materialized='view', event_time='trade_date') }}

with

validated as (

    select * from {{ ref('int_trades_validated') }}

),

-- the customers of these rows not kept, or with a trade before their open date or after their
-- close date (few)
excluded_customers as (

    select * from {{ ref('int_customers_excluded_at_read') }}
    where table_name = 'trades'

),

key_conflicts as (

    select * from {{ ref('int_trade_key_conflicts') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

kept as (

    select validated.*
    from validated
    left join excluded_customers
        on validated.customer_id = excluded_customers.customer_id
    cross join export_last_day
    where
        validated.quarantine_reason is null
        and validated.trade_date <= export_last_day.last_balance_date
        and validated.trade_id not in (select key_conflicts.trade_id from key_conflicts)
        and (
            excluded_customers.customer_id is null
            or (
                excluded_customers.is_kept
                and validated.trade_date >= excluded_customers.open_date
                and (
                    excluded_customers.close_date is null
                    or validated.trade_date <= excluded_customers.close_date
                )
            )
        )

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
            'loaded_by_invocation_id'
        ]) }}
    from kept

)

select * from final
