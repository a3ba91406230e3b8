-- Each customer's model inputs for each scheme, transformed and standardised with the stored
-- parameters of the current model: exactly what the Python fit did, so that scoring here
-- gives the fit's segments and a new customer is scored without a refit.
with

indicators as (

    select * from {{ ref('customer_indicators') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

standardisation as (

    select
        model_id,
        scheme,
        row_key as input_name,
        max(case when column_key = 'mean' then value end) as mean_value,
        max(case when column_key = 'std' then value end) as std_value,
        max(case when column_key = 'null_fill' then value end) as null_fill,
        max(case when column_key = 'transform' then text_value end) as transform_name
    from parameters
    where artifact = 'standardisation'
    group by model_id, scheme, row_key

),

raw_inputs as (

    select
        indicators.customer_id,
        standardisation.scheme,
        standardisation.model_id,
        standardisation.input_name,
        standardisation.mean_value,
        standardisation.std_value,
        standardisation.transform_name,
        coalesce(
            case standardisation.input_name
                {% for column in indicator_columns() %}
                    when '{{ column }}' then cast(indicators.{{ column }} as double)
                {% endfor %}
            end,
            standardisation.null_fill
        ) as input_value
    from indicators
    cross join standardisation

),

transformed as (

    select
        *,
        case transform_name
            when 'signed_log1p' then sign(input_value) * ln(1 + abs(input_value))
            when 'log1p' then ln(1 + input_value)
            when 'none' then input_value
        end as transformed_value
    from raw_inputs

),

final as (

    select
        customer_id,
        scheme,
        model_id,
        input_name,
        input_value,
        transformed_value,
        (transformed_value - mean_value) / std_value as z_score
    from transformed

)

select * from final
