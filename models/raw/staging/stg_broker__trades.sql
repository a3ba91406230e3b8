-- Every typed column is parsed with a safe cast (macros/raw_data/safe_casts.sql): a value that
-- does not parse is null here and named in invalid_value, and the row is quarantined.
{#- event_time: a microbatch model that reads this view gets only its batch's days -#}
{{ config(event_time='trade_date') }}
{% set numbers = {
    'quantity': 'bigint', 'price': 'decimal(18, 4)',
    'amount': 'decimal(20, 2)', 'commission': 'decimal(18, 2)',
} %}
{% set dates = ['trade_date'] %}

with

source as (

    select * from {{ source('broker', 'trades') }}

),

renamed as (

    select
        ----------  ids
        {{ raw_id('trade_id') }} as trade_id,
        {{ raw_id('customer_id') }} as customer_id,
        cast(security_code as string) as security_code,

        ----------  attributes
        cast(product_type as string) as product_type,
        cast(side as string) as side,

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
