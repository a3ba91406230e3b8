{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=[
            "{{ incremental_prepare_rejudge(rejudge_by_customer_sql(ref('int_customers_cleaned'))) }}",
            "{{ incremental_delete_by_date('trade_date', rejudge=true) }}",
        ],
        post_hook="{{ incremental_drop_rejudge() }}",
    )
}}
-- Incremental by trade_date (macros/incremental/incremental_by_date.sql): a daily build
-- validates the new days only. Trades dated after the export's last day are judged again by
-- the next run (they may be valid once their day's balances arrive). A duplicate trade_id is
-- caught within a batch; one across batches fails the unique test of int_trades_cleaned.
with

trades as (

    select * from {{ ref('stg_broker__trades') }}

),

customers as (

    select * from {{ ref('int_customers_cleaned') }}

),

-- customers read but quarantined: their rows say so, rather than unknown_customer
quarantined_customers as (

    select distinct customer_id from {{ ref('int_customers_validated') }}
    where quarantine_reason is not null and customer_id is not null

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

batch as (

    select * from trades
    where {{ incremental_batch_by_date('trade_date', rejudge=true) }}

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
            when quarantined_customers.customer_id is not null then 'customer_quarantined'
            when customers.customer_id is null then 'unknown_customer'
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
    left join quarantined_customers
        on deduplicated.customer_id = quarantined_customers.customer_id
    cross join export_last_day

)

select * from checked
