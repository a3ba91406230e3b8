-- Tests of equality of group means (组平均值的同等检验, SPSS DISCRIMINANT's table): per input,
-- Wilks' lambda (within-group over total sum of squares of its z-score) and its F test across
-- the K-means groups.
with

artifacts as (

    select * from {{ ref('segment_model_artifacts') }}

),

artifact_rows as (

    select * from artifacts
    where artifact = 'group_means_test'

),

pivoted as (

    {{ pivot_artifact(
        'artifact_rows',
        'input_name',
        [
            'wilks_lambda',
            'f',
            'df1',
            'df2',
            'p_value',
        ],
    ) }}

),

final as (

    select
        model_id,
        scheme,
        as_of_date,
        input_name,
        wilks_lambda,
        f,
        cast(df1 as integer) as df1,
        cast(df2 as bigint) as df2,
        p_value
    from pivoted

)

select * from final
