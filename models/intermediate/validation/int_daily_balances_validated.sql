{{
    config(
        materialized='batched_incremental',
        full_refresh=full_refresh_on_spark(),
        batch_source='stg_broker__daily_balances',
        batch_date_column='balance_date',
        batch_rejudge=true,
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

validated_customers as (

    select * from {{ ref('int_customers_validated') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

-- every customer read, kept or quarantined (one join per row instead of two): a row of a
-- quarantined customer says so, rather than unknown_customer
customers as (

    select
        customer_id,
        {{ dbt.bool_or('quarantine_reason is null') }} as is_kept,
        min(case when quarantine_reason is null then open_date end) as open_date
    from validated_customers
    where customer_id is not null
    group by customer_id

),

batch as (

    select * from daily_balances
    where {{ date_batch('balance_date', rejudge=true) }}

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
            when customers.customer_id is null then 'unknown_customer'
            when not customers.is_kept then 'customer_quarantined'
            when
                deduplicated.cash_balance < 0 or deduplicated.market_value < 0
                then 'negative_balance'
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
