{{
    config(
        materialized='incremental',
        full_refresh=full_refresh_on_spark(),
        incremental_strategy='append',
        pre_hook=[
            "{{ incremental_prepare_rejudge(rejudged_trades_sql(ref('int_trades_validated'))) }}",
            "{{ incremental_delete_by_date('trade_date', rejudge=true) }}",
        ],
        post_hook="{{ incremental_drop_rejudge() }}",
    )
}}
-- Incremental by trade_date (macros/incremental/incremental_by_date.sql): all history, so a
-- new day only appends.
with

trades as (

    select * from {{ ref('int_trades_cleaned') }}

),

export_last_day as (

    select * from {{ ref('int_export_last_day') }}

),

new_trades as (

    select * from trades
    where {{ incremental_batch_by_date('trade_date', rejudge=true) }}

),

final as (

    select
        new_trades.customer_id,
        new_trades.trade_date,
        new_trades.product_type,
        count(*) as trade_count,
        cast(sum(new_trades.amount) as decimal(38, 2)) as trade_amount,
        cast(sum(new_trades.commission) as decimal(38, 2)) as commission,
        any_value(export_last_day.last_balance_date) as loaded_through_date
    from new_trades
    cross join export_last_day
    group by
        new_trades.customer_id,
        new_trades.trade_date,
        new_trades.product_type

)

select * from final
