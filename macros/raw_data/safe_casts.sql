{#
    Typing the raw columns without letting one bad value stop the build. Staging reads every
    contract column through these macros: a value that does not parse becomes null and the
    row gets `invalid_value` (e.g. "amount = 'N/A' (invalid_number)"), which the validated
    model turns into its quarantine reason (invalid_number, invalid_date, out_of_range).
#}

{# A string as a SQL literal: single quotes doubled. Every path or var that reaches SQL goes through it. #}
{% macro sql_string(value) -%}
    '{{ value | string | replace("'", "''") }}'
{%- endmacro %}

{#
    A date column as a date. TIMESTAMP WITH TIME ZONE values are taken as the calendar date
    in the exchange's time zone (var exchange_timezone), not the session's: midnight in
    Shanghai is still the previous day in UTC. DATE, TIMESTAMP and 'YYYY-MM-DD' text keep
    their calendar date; anything else is null (and invalid_date).
#}
{% macro raw_to_date(column) -%}
    {{ return(adapter.dispatch('raw_to_date', 'broker_segments')(column)) }}
{%- endmacro %}

{% macro default__raw_to_date(column) -%}
    case
        when typeof({{ column }}) = 'TIMESTAMP WITH TIME ZONE'
            then cast(timezone({{ sql_string(var('exchange_timezone')) }}, try_cast({{ column }} as timestamptz)) as date)
        else try_cast({{ column }} as date)
    end
{%- endmacro %}

{#
    Spark reads a Parquet timestamp with a time zone as `timestamp` (an instant) and one
    without as `timestamp_ntz`. Its cast of text to a date also takes '2025' or '2025-05';
    only 'YYYY-MM-DD' text is a date here, as in DuckDB.
#}
{% macro spark__raw_to_date(column) -%}
    case
        when typeof({{ column }}) = 'timestamp'
            then to_date(from_utc_timestamp({{ column }}, {{ sql_string(var('exchange_timezone')) }}))
        when typeof({{ column }}) = 'string'
            then case
                when trim({{ column }}) rlike '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}$'
                    then try_cast(trim({{ column }}) as date)
            end
        else try_cast({{ column }} as date)
    end
{%- endmacro %}

{#
    A number column as data_type; null when it does not parse or does not fit (NaN, Inf,
    1e300), and for an integer type when it is not a whole number: 100.7 is refused, not
    rounded (engines round or truncate it).
#}
{% macro raw_to_number(column, data_type) -%}
    {%- if data_type in ('integer', 'bigint') -%}
        case
            when not {{ raw_is_fractional(column) }}
                then try_cast(try_cast({{ column }} as double) as {{ data_type }})
        end
    {%- else -%}
        try_cast({{ column }} as {{ data_type }})
    {%- endif -%}
{%- endmacro %}

{# True when the column parses as a number with a fractional part; null when it does not parse. #}
{% macro raw_is_fractional(column) -%}
    (try_cast({{ column }} as double) <> round(try_cast({{ column }} as double), 0))
{%- endmacro %}

{# An identifier as text without leading and trailing spaces (docs/raw-data-contract.md). #}
{% macro raw_id(column) -%}
    trim(cast({{ column }} as string))
{%- endmacro %}

{#
    The first value of the row that does not parse, as "column = 'value' (reason)"; null when
    every value parses. numbers: {column: type}; dates: [column].
    - invalid_number: not a number ('N/A', '1,000'), or not whole for an integer type (100.7);
    - out_of_range: a number that does not fit its type (NaN, Inf, 1e300);
    - invalid_date: not a date ('05/01/2025').
#}
{% macro raw_invalid_value(numbers={}, dates=[]) -%}
    case
        {%- for column, data_type in numbers.items() %}
            when {{ column }} is not null and {{ raw_to_number(column, data_type) }} is null
                then '{{ column }} = ''' || cast({{ column }} as string) || ''' ('
                || case
                    when try_cast(cast({{ column }} as string) as double) is null
                        then 'invalid_number'
                    {%- if data_type in ('integer', 'bigint') %}
                    when {{ raw_is_fractional(column) }} then 'invalid_number'
                    {%- endif %}
                    else 'out_of_range'
                end || ')'
        {%- endfor %}
        {%- for column in dates %}
            when {{ column }} is not null and {{ raw_to_date(column) }} is null
                then '{{ column }} = ''' || cast({{ column }} as string) || ''' (invalid_date)'
        {%- endfor %}
    end
{%- endmacro %}

{# The quarantine reason held in invalid_value (the text in its last parentheses). #}
{% macro invalid_value_reason(column='invalid_value') -%}
    regexp_extract({{ column }}, '\(([a-z_]+)\)$', 1)
{%- endmacro %}

{#
    The var max_plausible_amount_cny as a SQL number. It is pasted into SQL, so anything but a
    plain positive number ('1e12', 1000000000000) stops the build with a message naming it.
#}
{% macro max_plausible_amount_cny() -%}
    {%- set value = var('max_plausible_amount_cny') -%}
    {%- if value is boolean or not modules.re.match('^[0-9]+(\\.[0-9]*)?([eE][+]?[0-9]+)?$', value | string) -%}
        {{ exceptions.raise_compiler_error(
            "var max_plausible_amount_cny must be a positive number of CNY (e.g. 1e12), got '"
            ~ value ~ "'."
        ) }}
    {%- endif -%}
    cast({{ value }} as double)
{%- endmacro %}
