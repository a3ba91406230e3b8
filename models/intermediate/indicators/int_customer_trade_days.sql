with

trades as (

    select * from {{ ref('int_trades_cleaned') }}

),

final as (

    select
        customer_id,
        trade_date,
        product_type,
        count(*) as trade_count,
        cast(sum(amount) as decimal(38, 2)) as trade_amount,
        cast(sum(commission) as decimal(38, 2)) as commission
    from trades
    group by
        customer_id,
        trade_date,
        product_type

)

select * from final
