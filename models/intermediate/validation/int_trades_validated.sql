{{
    config(
        materialized='batched_incremental',
        full_refresh=full_refresh_on_spark(),
        batch_source='stg_broker__trades',
        batch_date_column='trade_date',
        batch_rejudge=true,
        pre_hook=[
            "{{ incremental_prepare_rejudge(rejudge_by_customer_sql(ref('int_customers_cleaned'))) }}",
            "{{ incremental_delete_by_date('trade_date', rejudge=true) }}",
        ],
        post_hook=[
            "{{ incremental_drop_rejudge() }}",
            "{{ quarantine_cross_batch_duplicates('trade_id', ref('stg_broker__trades')) }}",
        ],
    )
}}
-- Incremental by trade_date (macros/incremental/incremental_by_date.sql): a daily build
-- validates the new days only. Trades dated after the export's last day are judged again by
-- the next run (they may be valid once their day's balances arrive). Built in date batches
-- (macros/materializations/batched_incremental.sql); a trade_id with versions in two batches
-- or two builds is quarantined by the post-hook quarantine_cross_batch_duplicates.
with

trades as (

    select * from {{ ref('stg_broker__trades') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

-- every customer read, kept or quarantined (one join per row instead of two): a row of a
-- quarantined customer says so, rather than unknown_customer
customers as (

    select * from {{ ref('int_customer_verdicts') }}

),

batch as (

    select * from trades
    where {{ date_batch('trade_date', rejudge=true) }}

),

deduplicated as (

    {{ collapse_exact_duplicates('batch', 'trades') }}

),

checked as (

    select
        deduplicated.*,
        case
            when deduplicated.invalid_value is not null
                then {{ invalid_value_reason('deduplicated.invalid_value') }}
            when
                deduplicated.trade_id is null
                or trim(deduplicated.trade_id) = ''
                then 'missing_key'
            when deduplicated.key_versions > 1 then 'duplicate_key'
            when deduplicated.trade_date is null then 'missing_date'
            when deduplicated.amount is null or deduplicated.commission is null then 'missing_value'
            when
                abs(deduplicated.amount) > {{ max_plausible_amount_cny() }}
                or abs(deduplicated.commission) > {{ max_plausible_amount_cny() }}
                then 'out_of_range'
            when customers.customer_id is null then 'unknown_customer'
            when not customers.is_kept then 'customer_quarantined'
            when deduplicated.side is null or deduplicated.side not in ('buy', 'sell')
                then 'invalid_side'
            when deduplicated.amount < 0 then 'negative_amount'
            when deduplicated.commission < 0 then 'negative_commission'
            when deduplicated.trade_date < customers.open_date then 'before_open_date'
            when deduplicated.trade_date > export_last_day.last_balance_date then 'after_data_end'
        end as quarantine_reason,
        export_last_day.last_balance_date as loaded_through_date,
        '{{ invocation_id }}' as loaded_by_invocation_id
    from deduplicated
    left join customers
        on deduplicated.customer_id = customers.customer_id
    cross join export_last_day

),

-- the file name, where the quarantine needs it (source_file_id identifies every row's file)
final as (

    {{ name_source_files('checked', 'batch') }}

)

select * from final
