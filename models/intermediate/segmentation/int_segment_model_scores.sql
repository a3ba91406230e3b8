-- Each customer's coordinates in the model space of each scheme: regression factor scores
-- (the z-scores weighted by the factor score coefficients) when the scheme has a factor step,
-- else the z-scores themselves.
with

standardised as (

    select * from {{ ref('int_segment_inputs_standardised') }}

),

parameters as (

    select * from {{ ref('int_segment_current_parameters') }}

),

coefficients as (

    select
        model_id,
        row_key as input_name,
        column_key as model_variable,
        value as coefficient
    from parameters
    where artifact = 'factor_score_coefficient'

),

factor_scores as (

    select
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        coefficients.model_variable,
        sum(standardised.z_score * coefficients.coefficient) as model_score
    from standardised
    inner join coefficients
        on
            standardised.model_id = coefficients.model_id
            and standardised.input_name = coefficients.input_name
    group by
        standardised.customer_id,
        standardised.scheme,
        standardised.model_id,
        coefficients.model_variable

),

input_scores as (

    select
        customer_id,
        scheme,
        model_id,
        input_name as model_variable,
        z_score as model_score
    from standardised
    where model_id not in (select coefficients.model_id from coefficients)

),

final as (

    select * from factor_scores
    union all
    select * from input_scores

)

select * from final
