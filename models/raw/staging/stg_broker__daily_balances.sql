-- Every typed column is parsed with a safe cast (macros/raw_data/safe_casts.sql): a value that
-- does not parse is null here and named in invalid_value, and the row is quarantined.
{#- event_time: a microbatch model that reads this view gets only its batch's days -#}
{{ config(event_time='balance_date') }}
{% set numbers = {'cash_balance': 'decimal(20, 2)', 'market_value': 'decimal(20, 2)'} %}
{% set dates = ['balance_date'] %}

with

source as (

    select * from {{ source('broker', 'daily_balances') }}

),

renamed as (

    select
        ----------  ids
        {{ raw_id('customer_id') }} as customer_id,

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
