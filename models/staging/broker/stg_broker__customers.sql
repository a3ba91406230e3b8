with

source as (

    select * from {{ source('broker', 'customers') }}

),

renamed as (

    select
        ----------  ids
        cast(customer_id as varchar) as customer_id,
        cast(branch_id as varchar) as branch_id,

        ----------  attributes
        cast(birth_year as integer) as birth_year,
        cast(risk_level as integer) as risk_level,
        cast(channel as varchar) as channel,

        ----------  dates
        cast(open_date as date) as open_date,
        cast(close_date as date) as close_date,

        ----------  lineage
        filename as source_file,
        file_row_number + 1 as source_row_number

    from source

)

select * from renamed
