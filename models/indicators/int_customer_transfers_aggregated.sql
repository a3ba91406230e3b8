with

fund_transfers as (

    select * from {{ ref('int_fund_transfers_cleaned') }}

),

indicator_window as (

    select * from {{ ref('int_indicator_window') }}

),

in_window as (

    select fund_transfers.*
    from fund_transfers
    inner join indicator_window
        on
            fund_transfers.transfer_date >= indicator_window.window_start_date
            and fund_transfers.transfer_date <= indicator_window.as_of_date

),

final as (

    select
        customer_id,
        count(*) as transfer_count,
        cast(sum(case when direction = 'in' then amount else 0 end) as decimal(38, 2))
            as transfers_in_amount,
        cast(sum(case when direction = 'out' then amount else 0 end) as decimal(38, 2))
            as transfers_out_amount,
        cast(
            sum(case when direction = 'in' then amount else -amount end) as decimal(38, 2)
        ) as net_fund_inflow
    from in_window
    group by customer_id

)

select * from final
