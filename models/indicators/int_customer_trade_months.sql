{{
    config(
        materialized='incremental',
        incremental_strategy='microbatch',
        event_time='trade_month',
        batch_size=month_batch_size(),
        begin='2000-01-01',
        partition_by=['trade_month'],
        replaces_whole_batches=true,
    )
}}
-- dbt microbatch (macros/incremental/microbatch.sql), as int_customer_balance_months: a
-- batch of per_day_batch_size but never less than a month, rebuilt whole from its days. Per
-- customer, month and product type: the trade days of int_customer_trade_days summed, with
-- the customer's trading days that month (over every product, on one product's row) and its
-- first and last trade date. int_customer_trades_aggregated sums the window's
-- whole months from here.
with

-- the batch's months, every day of them (macros/incremental/microbatch.sql)
batch as (

    {{ batch_rows('int_customer_trade_days', 'trade_date') }}

),

trade_days as (

    select
        customer_id,
        cast({{ dbt.date_trunc('month', 'trade_date') }} as date) as trade_month,
        trade_date,
        product_type,
        trade_count,
        trade_amount,
        commission
    from batch

),

-- the customer's trading days in the month, over every product
customer_months as (

    select
        customer_id,
        trade_month,
        count(distinct trade_date) as month_trading_days,
        min(trade_date) as first_trade_date,
        max(trade_date) as last_trade_date
    from trade_days
    group by customer_id, trade_month

),

products as (

    select
        customer_id,
        trade_month,
        product_type,
        sum(trade_count) as trade_count,
        cast(sum(trade_amount) as decimal(38, 2)) as trade_amount,
        cast(sum(commission) as decimal(38, 2)) as commission
    from trade_days
    group by customer_id, trade_month, product_type

),

final as (

    select
        products.customer_id,
        products.trade_month,
        products.product_type,
        products.trade_count,
        products.trade_amount,
        products.commission,
        -- the month's trading days on its first product's row, 0 on the others: a sum over
        -- product rows counts each day once
        case
            when
                row_number() over (
                    partition by products.customer_id, products.trade_month
                    order by products.product_type
                ) = 1
                then customer_months.month_trading_days
            else 0
        end as month_trading_days,
        customer_months.first_trade_date,
        customer_months.last_trade_date
    from products
    inner join customer_months
        on
            products.customer_id = customer_months.customer_id
            and products.trade_month = customer_months.trade_month

)

select * from final
