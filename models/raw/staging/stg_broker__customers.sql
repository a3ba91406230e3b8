-- Every typed column is parsed with a safe cast (macros/raw_data/safe_casts.sql): a value that
-- does not parse is null here and named in invalid_value, and the row is quarantined.
{% set numbers = {'birth_year': 'integer', 'risk_level': 'integer'} %}
{% set dates = ['open_date', 'close_date'] %}

with

source as (

    select * from {{ source('broker', 'customers') }}

),

renamed as (

    select
        ----------  ids
        {{ raw_id('customer_id') }} as customer_id,
        cast(branch_id as string) as branch_id,

        ----------  attributes
        cast(channel as string) as channel,

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
