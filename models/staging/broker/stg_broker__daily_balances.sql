with

source as (

    select * from {{ source('broker', 'daily_balances') }}

),

renamed as (

    select
        ----------  ids
        cast(customer_id as varchar) as customer_id,

        ----------  numerics
        cast(cash_balance as decimal(20, 2)) as cash_balance,
        cast(market_value as decimal(20, 2)) as market_value,

        ----------  dates
        cast(balance_date as date) as balance_date,

        ----------  lineage
        filename as source_file,
        file_row_number + 1 as source_row_number

    from source

)

select * from renamed
