with

source as (

    select * from {{ source('broker', 'trades') }}

),

renamed as (

    select
        ----------  ids
        cast(trade_id as varchar) as trade_id,
        cast(customer_id as varchar) as customer_id,
        cast(security_code as varchar) as security_code,

        ----------  attributes
        cast(product_type as varchar) as product_type,
        cast(side as varchar) as side,

        ----------  numerics
        cast(quantity as bigint) as quantity,
        cast(price as decimal(18, 4)) as price,
        cast(amount as decimal(20, 2)) as amount,
        cast(commission as decimal(18, 2)) as commission,

        ----------  dates
        cast(trade_date as date) as trade_date,

        ----------  lineage
        filename as source_file,
        file_row_number + 1 as source_row_number

    from source

)

select * from renamed
