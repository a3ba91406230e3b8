with

source as (

    select * from {{ source('broker', 'fund_transfers') }}

),

renamed as (

    select
        ----------  ids
        cast(transfer_id as varchar) as transfer_id,
        cast(customer_id as varchar) as customer_id,

        ----------  attributes
        cast(direction as varchar) as direction,

        ----------  numerics
        cast(amount as decimal(20, 2)) as amount,

        ----------  dates
        cast(transfer_date as date) as transfer_date,

        ----------  lineage
        filename as source_file,
        file_row_number + 1 as source_row_number

    from source

)

select * from renamed
