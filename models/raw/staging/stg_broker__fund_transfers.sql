-- Every typed column is parsed with a safe cast (macros/raw_data/safe_casts.sql): a value that
-- does not parse is null here and named in invalid_value, and the row is quarantined.
{% set numbers = {'amount': 'decimal(20, 2)'} %}
{% set dates = ['transfer_date'] %}

with

source as (

    select * from {{ source('broker', 'fund_transfers') }}

),

renamed as (

    select
        ----------  ids
        {{ raw_id('transfer_id') }} as transfer_id,
        {{ raw_id('customer_id') }} as customer_id,

        ----------  attributes
        cast(direction as string) as direction,

        ----------  numerics
        {% for column, data_type in numbers.items() %}
            {{ raw_to_number(column, data_type) }} as {{ column }},
        {% endfor %}

        ----------  dates
        {% for column in dates %}
            {{ raw_to_date(column) }} as {{ column }},
        {% endfor %}

        ----------  values that do not parse
        {{ raw_invalid_value(numbers, dates) }} as invalid_value,

        ----------  lineage
        _broker_source_file as source_file,
        {{ raw_file_id('_broker_source_file') }} as source_file_id,
        file_row_number + 1 as source_row_number

    from source

)

select * from renamed
