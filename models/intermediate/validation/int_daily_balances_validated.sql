{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        pre_hook=[
            "{{ incremental_prepare_rejudge(rejudge_by_customer_sql(ref('int_customers_cleaned'))) }}",
            "{{ incremental_delete_by_date('balance_date', rejudge=true) }}",
        ],
        post_hook="{{ incremental_drop_rejudge() }}",
    )
}}
-- Incremental by balance_date (macros/incremental/incremental_by_date.sql): a daily build
-- validates the new days only. The key includes the date, so duplicates are always within a
-- day's batch.
with

daily_balances as (

    select * from {{ ref('stg_broker__daily_balances') }}

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

    select * from daily_balances
    where {{ incremental_batch_by_date('balance_date', rejudge=true) }}

),

deduplicated as (

    {{ collapse_exact_duplicates('batch', 'daily_balances') }}

),

checked as (

    select
        deduplicated.*,
        case
            when deduplicated.invalid_value is not null
                then {{ invalid_value_reason('deduplicated.invalid_value') }}
            when
                deduplicated.customer_id is null
                or trim(deduplicated.customer_id) = ''
                or deduplicated.balance_date is null
                then 'missing_key'
            when deduplicated.key_versions > 1 then 'duplicate_key'
            when
                deduplicated.cash_balance is null or deduplicated.market_value is null
                then 'missing_value'
            when
                abs(deduplicated.cash_balance) > {{ max_plausible_amount_cny() }}
                or abs(deduplicated.market_value) > {{ max_plausible_amount_cny() }}
                then 'out_of_range'
            when quarantined_customers.customer_id is not null then 'customer_quarantined'
            when customers.customer_id is null then 'unknown_customer'
            when
                deduplicated.cash_balance < 0 or deduplicated.market_value < 0
                then 'negative_balance'
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
